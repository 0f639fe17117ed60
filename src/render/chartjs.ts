// chart.js set up once per thread for node-canvas: only the parts the pictures use, no animation,
// no responsiveness, no events, the bundled font (legend and tooltip plugins are not registered: the
// pictures draw their own legend).
import { BarController, BarElement, Chart, LinearScale, LineController, LineElement, PointElement, Filler, type ChartConfiguration } from 'chart.js';
import type { Canvas } from 'canvas';
import { registerFonts } from './fonts.js';
import { FONT_FAMILY, theme } from './theme.js';

let ready = false;

export function setupChartJs(): typeof Chart {
  if (ready) return Chart;
  registerFonts();
  Chart.register(BarController, BarElement, LineController, LineElement, PointElement, LinearScale, Filler);
  Chart.defaults.font.family = FONT_FAMILY;
  Chart.defaults.color = theme.muted;
  Chart.defaults.borderColor = theme.grid;
  Chart.defaults.animation = false;
  Chart.defaults.responsive = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.devicePixelRatio = 1;
  Chart.defaults.events = [];
  ready = true;
  return Chart;
}

/**
 * Draws `config` on `canvas`, hands the canvas to `use` (encode it there), then destroys the chart:
 * always, and only after `use`, so chart.js's references never outlive one picture.
 */
export function drawChart<T>(canvas: Canvas, config: ChartConfiguration, use: (canvas: Canvas) => T): T {
  const ChartClass = setupChartJs();
  // node-canvas stands in for an HTML canvas; chart.js only needs getContext('2d') and width/height.
  const chart = new ChartClass(canvas as unknown as ConstructorParameters<typeof Chart>[0], config);
  try {
    return use(canvas);
  } finally {
    chart.destroy();
  }
}
