/** Short labels for what the data API names, and where the page is served. */

export interface Badge {
  text: string;
  title: string;
}

/** The run list's badge for `format` of `data/runs`. */
export function formatBadge(format: string): Badge {
  switch (format) {
    case "mindspore":
      return { text: "MS", title: "MindSpore summary files" };
    case "tensorboard":
      return { text: "TB", title: "TensorBoard event files" };
    case "mixed":
      return { text: "MS+TB", title: "Both MindSpore summary files and TensorBoard event files" };
    default:
      // A format this page does not know yet is still worth showing as the server named it.
      return { text: format.slice(0, 12), title: `Log format: ${format}` };
  }
}
