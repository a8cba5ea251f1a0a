/**
 * What a view tells the charts inside it: the name of what they show (for export file names, e.g. "run-12" or
 * "compare-3-4") and, optionally, a registry that collects every chart on the page (so a report can embed them
 * as the view draws them).
 */
import { getContext, setContext } from 'svelte';

export interface ViewChartSvg {
  id: string;
  title: string;
  svg: string;
}

export interface ChartEntry {
  /** Stable id (the chart's test id, else its title). */
  id: string;
  title: () => string;
  svg: () => string;
  el: () => HTMLElement | null;
}

/** The charts mounted under one view, in page order. */
export class ChartRegistry {
  private entries = new Set<ChartEntry>();

  add(e: ChartEntry): () => void {
    this.entries.add(e);
    return () => this.entries.delete(e);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Every chart as SVG, in document order, with unique ids. */
  collect(): ViewChartSvg[] {
    const list = [...this.entries].filter((e) => e.el()?.isConnected);
    list.sort((a, b) => (a.el()!.compareDocumentPosition(b.el()!) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    const used = new Map<string, number>();
    return list.map((e) => {
      const base = e.id || 'chart';
      const n = (used.get(base) ?? 0) + 1;
      used.set(base, n);
      return { id: n === 1 ? base : `${base}-${n}`, title: e.title(), svg: e.svg() };
    });
  }
}

export interface ChartContext {
  /** e.g. "run 12", "compare 3 4"; read when a file is saved. */
  readonly name: string;
  readonly registry?: ChartRegistry;
}

const KEY = Symbol('chart-context');

export function setChartContext(c: ChartContext): void {
  setContext(KEY, c);
}

export function getChartContext(): ChartContext | undefined {
  return getContext<ChartContext | undefined>(KEY);
}
