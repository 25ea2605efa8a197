/**
 * Runs a callback the first time an element comes near the viewport, so a dashboard with
 * hundreds of charts only fetches and draws what is seen.
 */
const callbacks = new WeakMap<Element, () => void>();
const observer =
  typeof IntersectionObserver === "undefined"
    ? null
    : new IntersectionObserver(
        (entries) => {
          for (const entry of entries) {
            if (!entry.isIntersecting) continue;
            const run = callbacks.get(entry.target);
            callbacks.delete(entry.target);
            observer?.unobserve(entry.target);
            run?.();
          }
        },
        { rootMargin: "300px 0px" },
      );

export function whenVisible(element: Element, callback: () => void): void {
  if (!observer) {
    callback();
    return;
  }
  callbacks.set(element, callback);
  observer.observe(element);
}

export function forget(element: Element): void {
  callbacks.delete(element);
  observer?.unobserve(element);
}
