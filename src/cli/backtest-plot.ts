// `liqmap backtest --plot`: predicted against realized liquidations over time, one PNG (chart.js on
// node-canvas). Shorts above the zero line, longs below; realized on the left axis, the model on the right,
// since the two are on different scales (three venues realized, one venue's open interest modelled).
// `--reliability`: calibrated against realized per group of prediction, on log axes.
import { createCanvas } from 'canvas';
import { Chart, registerables, type ChartItem, type Plugin } from 'chart.js';
import type { BacktestResult } from '../analysis/backtest.js';
import type { CalibrationScore, GroupScore } from '../analysis/calibration.js';
import { formatUsd } from '../analysis/format.js';
import { formatUtcMinute } from '../analysis/utc-time.js';
import { registerFonts } from '../render/fonts.js';
import { FONT_FAMILY, theme } from '../render/theme.js';

Chart.register(...registerables);

const WIDTH = 1400;
const HEIGHT = 700;

const background: Plugin = {
  id: 'background',
  beforeDraw(chart) {
    const ctx = chart.ctx;
    ctx.save();
    ctx.fillStyle = theme.background;
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

export async function drawBacktestPlot(symbol: string, result: BacktestResult): Promise<Buffer> {
  registerFonts();
  const rows = result.rows.filter((r) => r.realizedLongUsd !== null && r.realizedShortUsd !== null);
  const s = result.scores!;
  const canvas = createCanvas(WIDTH, HEIGHT);
  const point = (y: (r: (typeof rows)[number]) => number) => rows.map((r) => ({ x: r.ts, y: y(r) }));
  const f3 = (v: number | null) => (v === null ? 'n/a' : v.toFixed(2));
  const p1 = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(0)}%`);
  // Symmetric axes, so both zero lines sit at mid-height and shorts and longs read against one line.
  const realizedMax = Math.max(1, ...rows.map((r) => Math.max(r.realizedLongUsd!, r.realizedShortUsd!))) * 1.05;
  const modelMax = Math.max(1, ...rows.map((r) => Math.max(r.predLongUsd, r.predShortUsd))) * 1.05;
  const DAY = 86_400_000;
  const days: { value: number }[] = [];
  for (let t = Math.ceil(rows[0]!.ts / DAY) * DAY; t <= rows[rows.length - 1]!.ts; t += DAY) days.push({ value: t });
  Chart.defaults.font.family = FONT_FAMILY;
  Chart.defaults.color = theme.muted;
  const chart = new Chart(canvas.getContext('2d') as unknown as ChartItem, {
    type: 'line',
    data: {
      datasets: [
        { label: 'realized shorts', data: point((r) => r.realizedShortUsd!), yAxisID: 'realized', borderColor: 'rgba(47, 214, 160, 0.7)', backgroundColor: theme.shortFill, fill: 'origin', borderWidth: 1, pointRadius: 0 },
        { label: 'realized longs', data: point((r) => -r.realizedLongUsd!), yAxisID: 'realized', borderColor: 'rgba(255, 93, 115, 0.7)', backgroundColor: theme.longFill, fill: 'origin', borderWidth: 1, pointRadius: 0 },
        { label: 'model shorts', data: point((r) => r.predShortUsd), yAxisID: 'model', borderColor: theme.short, borderWidth: 1.5, pointRadius: 0 },
        { label: 'model longs', data: point((r) => -r.predLongUsd), yAxisID: 'model', borderColor: theme.long, borderWidth: 1.5, pointRadius: 0 },
      ],
    },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      plugins: {
        legend: { labels: { color: theme.text, boxWidth: 14 } },
        title: {
          display: true,
          color: theme.text,
          font: { size: 20, weight: 'bold' },
          text: `${symbol} backtest · Spearman model ${f3(s.model.long.spearman)} / ${f3(s.model.short.spearman)} vs naive ${f3(s.naive.long.spearman)} / ${f3(s.naive.short.spearman)} (longs / shorts) · top-decile share ${p1(s.model.long.topShare)} / ${p1(s.model.short.topShare)} vs ${p1(s.naive.long.topShare)} / ${p1(s.naive.short.topShare)}`,
        },
        subtitle: {
          display: true,
          color: theme.faint,
          position: 'bottom',
          text: 'Estimated liquidations (model, one venue) against realized (summed over venues); shorts above zero, longs below — not financial advice',
        },
      },
      scales: {
        x: {
          type: 'linear',
          min: rows[0]!.ts,
          max: rows[rows.length - 1]!.ts,
          grid: { color: theme.grid },
          afterBuildTicks: (axis) => {
            axis.ticks = days;
          },
          ticks: { color: theme.muted, callback: (v) => formatUtcMinute(Number(v)).slice(5, 10) },
        },
        realized: {
          position: 'left',
          min: -realizedMax,
          max: realizedMax,
          grid: { color: theme.grid },
          title: { display: true, text: 'realized USD', color: theme.muted },
          ticks: { color: theme.muted, callback: (v) => formatUsd(Math.abs(Number(v))) },
        },
        model: {
          position: 'right',
          min: -modelMax,
          max: modelMax,
          grid: { display: false },
          title: { display: true, text: 'model USD', color: theme.muted },
          ticks: { color: theme.muted, callback: (v) => formatUsd(Math.abs(Number(v))) },
        },
      },
    },
    plugins: [background],
  });
  try {
    return canvas.toBuffer('image/png', { compressionLevel: 3 });
  } finally {
    chart.destroy();
  }
}

/**
 * Reliability: one point per group of prediction (the intervals the model left empty, then deciles),
 * mean calibrated USD per interval against mean realized, both for the realized data's venues; on the
 * diagonal the calibration is right, between the dashed lines it is within a factor of 2.
 */
export async function drawReliabilityPlot(symbol: string, calibrationId: string, score: CalibrationScore): Promise<Buffer> {
  registerFonts();
  const canvas = createCanvas(1000, 800);
  const points = (groups: GroupScore[]) =>
    groups.filter((g) => g.calibratedUsd > 0 && g.realizedUsd > 0).map((g) => ({ x: g.calibratedUsd / g.intervals, y: g.realizedUsd / g.intervals, group: g.group }));
  const long = points(score.long.groups);
  const short = points(score.short.groups);
  const all = [...long, ...short].flatMap((p) => [p.x, p.y]);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all) / 2));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all) * 2));
  const line = (factor: number) => [
    { x: lo, y: lo * factor },
    { x: hi, y: hi * factor },
  ];
  const worst = (f: number | null) => (f === null ? 'n/a' : Number.isFinite(f) ? `×${f.toFixed(1)}` : '∞');
  Chart.defaults.font.family = FONT_FAMILY;
  Chart.defaults.color = theme.muted;
  const groupLabels: Plugin = {
    id: 'groupLabels',
    afterDatasetsDraw(chart) {
      const ctx = chart.ctx;
      ctx.save();
      ctx.font = `12px ${FONT_FAMILY}`;
      for (const [i, pts] of [[3, long], [4, short]] as const) {
        const meta = chart.getDatasetMeta(i);
        ctx.fillStyle = i === 3 ? theme.long : theme.short;
        pts.forEach((p, k) => {
          const el = meta.data[k];
          if (el) ctx.fillText(p.group === 'none' ? '0' : String(p.group), el.x + 8, el.y + (i === 3 ? -6 : 14));
        });
      }
      ctx.restore();
    },
  };
  const chart = new Chart(canvas.getContext('2d') as unknown as ChartItem, {
    type: 'scatter',
    data: {
      datasets: [
        { label: 'calibrated = realized', data: line(1), type: 'line', borderColor: theme.text, borderWidth: 1.5, pointRadius: 0 },
        { label: 'within a factor of 2', data: line(2), type: 'line', borderColor: theme.muted, borderDash: [6, 5], borderWidth: 1, pointRadius: 0 },
        { label: '', data: line(0.5), type: 'line', borderColor: theme.muted, borderDash: [6, 5], borderWidth: 1, pointRadius: 0 },
        { label: `longs (worst ${worst(score.long.worstFactor)}, ${(100 * score.long.coverage).toFixed(0)}% in the 80% band)`, data: long, backgroundColor: theme.long, borderColor: theme.long, pointRadius: 6 },
        { label: `shorts (worst ${worst(score.short.worstFactor)}, ${(100 * score.short.coverage).toFixed(0)}% in the 80% band)`, data: short, backgroundColor: theme.short, borderColor: theme.short, pointRadius: 6, pointStyle: 'rectRot' },
      ],
    },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      plugins: {
        legend: { labels: { color: theme.text, boxWidth: 14, filter: (item) => item.text !== '' } },
        title: { display: true, color: theme.text, font: { size: 18, weight: 'bold' }, text: `${symbol} calibration ${calibrationId}: realized against calibrated, ${score.from} → ${score.to}` },
        subtitle: {
          display: true,
          color: theme.faint,
          position: 'bottom',
          text: 'Mean USD per half-hour in each group of prediction (0 = the model predicted nothing, 1–10 = deciles), realized venues; log scales',
        },
      },
      scales: {
        x: {
          type: 'logarithmic',
          min: lo,
          max: hi,
          grid: { color: theme.grid },
          title: { display: true, text: 'calibrated USD per half-hour', color: theme.muted },
          ticks: { color: theme.muted, callback: (v) => (Math.log10(Number(v)) % 1 === 0 ? formatUsd(Number(v)) : '') },
        },
        y: {
          type: 'logarithmic',
          min: lo,
          max: hi,
          grid: { color: theme.grid },
          title: { display: true, text: 'realized USD per half-hour', color: theme.muted },
          ticks: { color: theme.muted, callback: (v) => (Math.log10(Number(v)) % 1 === 0 ? formatUsd(Number(v)) : '') },
        },
      },
    },
    plugins: [background, groupLabels],
  });
  try {
    return canvas.toBuffer('image/png', { compressionLevel: 3 });
  } finally {
    chart.destroy();
  }
}
