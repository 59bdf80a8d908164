// Line charts with uPlot (vendored by deploy/build-web.sh into static/vendor/, loaded as a
// classic script before the app). A chart is drawn for sighted readers only: its figure
// carries a text caption, and each page shows the same data as a table.

import { h } from './render.js';

export const COLORS = {
  risk: '#b42318',
  energy: '#1f6f43',
  stress: '#a15c00',
  work: '#1d4ed8',
  band: 'rgba(29, 78, 216, 0.12)',
  bandEdge: 'rgba(29, 78, 216, 0.45)',
  checkin: '#6d28d9',
  checkinWork: '#0e7490',
  alert: '#9f1239',
  confidence: '#475569',
};

export function chartsAvailable() {
  return typeof window.uPlot === 'function';
}

// A figure holding a chart (aria-hidden) and its caption. Returns {figure, plot, update, destroy}.
// `opts`: uPlot options without width/height; `data`: uPlot data.
export function lineChart({ caption, testid, id, opts, data, height = 260, onLeave }) {
  const box = h('div', { class: 'chart-box', 'aria-hidden': 'true', id, dataset: testid ? { testid } : undefined });
  const figure = h('figure', { class: 'chart' }, box, h('figcaption', {}, caption));
  const result = { figure, box, plot: null, setCaption, update, destroy };

  function setCaption(text) {
    figure.querySelector('figcaption').textContent = text;
  }

  if (!chartsAvailable()) {
    box.append(h('p', { class: 'note' },
      'The chart library is not installed (run deploy/build-web.sh); the table shows the same data.'));
    return result;
  }

  let pending = data;
  let observer = null;
  const width = () => Math.max(280, Math.floor(box.clientWidth || figure.clientWidth || 640));

  function create() {
    if (result.plot || !box.isConnected) return;
    result.plot = new window.uPlot({ ...opts, width: width(), height }, pending, box);
    observer = new ResizeObserver(() => {
      if (result.plot) result.plot.setSize({ width: width(), height });
    });
    observer.observe(box);
  }

  function update(newData, resetScales = true) {
    pending = newData;
    if (result.plot) result.plot.setData(newData, resetScales);
    else create();
  }

  function destroy() {
    if (observer) observer.disconnect();
    if (result.plot) result.plot.destroy();
    result.plot = null;
  }

  // Created once the figure is in the document (its width is known then).
  requestAnimationFrame(() => requestAnimationFrame(create));
  if (onLeave) onLeave(destroy);
  return result;
}

// Series options for a line.
export function line(label, stroke, extra = {}) {
  return { label, stroke, width: 2, spanGaps: true, points: { show: false }, ...extra };
}

// Series options for markers only (no line).
export function markers(label, stroke, size = 9) {
  return {
    label,
    stroke,
    fill: stroke,
    width: 0,
    paths: () => null,
    points: { show: true, size, stroke, fill: stroke, space: 0 },
  };
}

// Merges several [t, value] lists onto one sorted time axis: [xs, ys1, ys2, ...] with nulls.
export function alignSeries(...lists) {
  const times = new Set();
  for (const l of lists) for (const [t] of l) times.add(t);
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const out = [xs];
  for (const l of lists) {
    const ys = new Array(xs.length).fill(null);
    for (const [t, v] of l) ys[index.get(t)] = v;
    out.push(ys);
  }
  return out;
}

// A y axis from 0 to 1 with a label.
export function unitAxis(label) {
  return {
    label,
    stroke: '#333',
    grid: { stroke: '#e5e7eb' },
    ticks: { stroke: '#d1d5db' },
    values: (u, splits) => splits.map((v) => v.toFixed(1)),
  };
}

export const TIME_AXIS = { stroke: '#333', grid: { stroke: '#e5e7eb' }, ticks: { stroke: '#d1d5db' } };
