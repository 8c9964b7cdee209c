// Events over time as bars (uPlot): all events, and failures drawn over them in red. Dragging
// across the chart reports the time range selected; clicking a bar reports that bar's bucket. A
// lazy chunk (uPlot is ~50 KB): pages import it with React.lazy. Times are UTC on the axis, as in
// the table. Keyboard and screen-reader users get the same numbers from the summary below it and
// the time controls of the page.

import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Histogram } from '../lib/types';

export interface ActivityChartProps {
  histogram: Histogram;
  /** A name for the chart, e.g. "Events in the last 7 days". */
  label: string;
  height?: number;
  /** Drag across the chart: the window selected, in epoch ms. */
  onSelectRange?: (fromMs: number, toMs: number) => void;
  /** Click on a bar: the bucket's start, in epoch ms. */
  onBucket?: (startMs: number) => void;
}

const utc = (seconds: number) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC');

export default function ActivityChart({ histogram, label, height = 160, onSelectRange, onBucket }: ActivityChartProps) {
  const box = useRef<HTMLDivElement>(null);
  // The latest callbacks, read by the chart's hooks without rebuilding it.
  const handlers = useRef({ onSelectRange, onBucket });
  handlers.current = { onSelectRange, onBucket };

  useEffect(() => {
    const element = box.current;
    if (!element) return undefined;
    const step = histogram.interval_ms / 1000;
    const xs = histogram.buckets.map((b) => Date.parse(b.start) / 1000);
    const counts = histogram.buckets.map((b) => b.count);
    const failures = histogram.buckets.map((b) => b.failures);
    const bars = uPlot.paths.bars!({ size: [0.85, 40], align: 1 });
    // A drag ends with a click on the chart too: that click is not a bar's.
    let dragged = false;
    const chart = new uPlot({
      width: Math.max(element.clientWidth, 200),
      height,
      tzDate: utc,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      scales: { x: { time: true, range: (_u, min, max) => [min, max + step] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        { stroke: '#57606a', grid: { show: false }, ticks: { stroke: '#d0d7de' } },
        { stroke: '#57606a', size: 44, grid: { stroke: '#eaeef2' }, ticks: { show: false }, values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? t.toLocaleString('en') : '')) },
      ],
      series: [
        {},
        { label: 'Events', paths: bars, fill: '#9db7e8', stroke: '#5b82c9', width: 0, points: { show: false } },
        { label: 'Failures', paths: bars, fill: '#d1242f', stroke: '#a40e26', width: 0, points: { show: false } },
      ],
      hooks: {
        setSelect: [(u) => {
          const { left, width } = u.select;
          if (width > 4) {
            dragged = true;
            const from = u.posToVal(left, 'x') * 1000;
            const to = u.posToVal(left + width, 'x') * 1000;
            handlers.current.onSelectRange?.(Math.floor(from), Math.ceil(to));
          }
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        }],
      },
    }, [xs, counts, failures], element);
    chart.over.addEventListener('click', () => {
      if (dragged) {
        dragged = false;
        return;
      }
      const idx = chart.cursor.idx;
      if (idx !== null && idx !== undefined) handlers.current.onBucket?.(xs[idx]! * 1000);
    });
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 200), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [histogram, height]);

  const busiest = histogram.buckets.reduce((a, b) => (b.count > a.count ? b : a), histogram.buckets[0] ?? { start: histogram.since, count: 0, failures: 0, by_category: {} });
  return (
    <figure className="activity-chart">
      <div ref={box} role="img" aria-label={`${label}: ${histogram.total.toLocaleString('en')} events, ${histogram.failures.toLocaleString('en')} failed, in bars of ${histogram.interval}`} />
      <figcaption>
        <span className="legend events">Events</span> <span className="legend failures">Failures</span>
        <span className="help">
          {histogram.buckets.length} bars of {histogram.interval}, UTC; busiest {busiest.start.slice(0, 16).replace('T', ' ')} with {busiest.count.toLocaleString('en')}.
          {onSelectRange ? ' Drag across the chart to narrow the time window; click a bar to zoom to it.' : ''}
        </span>
      </figcaption>
    </figure>
  );
}
