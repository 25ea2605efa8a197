/** Downloads of the graph view: the SVG as a file, or rasterised to PNG through a canvas. */
import { download } from "../export";

export function svgText(svg: SVGSVGElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(svg)}`;
}

export function downloadSvg(svg: SVGSVGElement, filename: string): void {
  download(filename, svgText(svg), "image/svg+xml");
}

/** Large graphs are scaled down so the canvas stays within what browsers allow. */
const MAX_PIXELS = 64_000_000;

export async function downloadPng(svg: SVGSVGElement, width: number, height: number, filename: string): Promise<void> {
  const scale = Math.min(2, Math.sqrt(MAX_PIXELS / Math.max(1, width * height)));
  const url = URL.createObjectURL(new Blob([svgText(svg)], { type: "image/svg+xml" }));
  try {
    const image = new Image();
    await new Promise<void>((resolve, reject) => {
      image.onload = () => resolve();
      image.onerror = () => reject(new Error("the SVG could not be rasterised"));
      image.src = url;
    });
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    const context = canvas.getContext("2d");
    if (!context) return;
    context.scale(scale, scale);
    context.drawImage(image, 0, 0);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/png"));
    if (blob) download(filename, blob, "image/png");
  } finally {
    URL.revokeObjectURL(url);
  }
}
