import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  /** Dashed line (a second kind of mark besides colour, for readers who do not see colour). */
  readonly dash?: boolean;
}

interface ChartProps {
  /** What the chart shows, in words: its accessible name (a canvas has none of its own). */
  readonly summary: string;
  readonly series: readonly ChartSeries[];
  /** Epoch seconds, then one array per series. */
  readonly data: readonly (readonly (number | null)[])[];
  readonly unit?: string;
  /** Fixed y range, e.g. [0, 100] for a percentage. */
  readonly range?: readonly [number, number];
  readonly height?: number;
}

/** A uPlot line chart over time that follows its container's width. */
export function Chart(props: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const shape = `${props.series.map((s) => s.label).join('|')}|${props.range?.join(',')}`;
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const unit = props.unit ?? '';
    const chart = new uPlot(
      {
        width: Math.max(240, element.clientWidth),
        height: props.height ?? 200,
        series: [
          {},
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            ...(s.dash ? { dash: [6, 4] } : {}),
            value: (_: uPlot, v: number | null) => (v === null ? '–' : `${round(v)}${unit}`),
          })),
        ],
        scales: props.range ? { y: { range: [props.range[0], props.range[1]] } } : {},
        axes: [
          { stroke: '#3c4043', grid: { stroke: '#e0e0e0' } },
          {
            stroke: '#3c4043',
            grid: { stroke: '#e0e0e0' },
            values: (_: uPlot, ticks: number[]) => ticks.map((t) => `${round(t)}${unit}`),
          },
        ],
        cursor: { drag: { x: false, y: false } },
      },
      props.data as uPlot.AlignedData,
      element,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(240, element.clientWidth), height: props.height ?? 200 }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = undefined;
    };
  }, [shape]);
  useEffect(() => {
    plot.current?.setData(props.data as uPlot.AlignedData);
  }, [props.data]);
  return html`<figure class="chart">
    <div ref=${box} role="img" aria-label=${props.summary}></div>
    <figcaption class="visually-hidden">${props.summary}</figcaption>
  </figure>`;
}

const round = (v: number) => (Math.abs(v) >= 10 ? Math.round(v) : Math.round(v * 10) / 10);
