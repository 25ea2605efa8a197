/** What every dashboard tab implements. */
export interface Panel {
  readonly root: HTMLElement;
  /** The runs, tags or view changed: rebuild what is shown. */
  render(): void;
  /** Live refresh tick: fetch new data for what is shown. */
  refresh(): Promise<void>;
  destroy(): void;
}
