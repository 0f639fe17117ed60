// chart.js set up once per thread for node-canvas: only the parts the pictures use, no animation,
// no responsiveness, no events, the bundled font (legend and tooltip plugins are not registered: the
// pictures draw their own legend).
import { BarController, BarElement, Chart, LinearScale, LineController, LineElement, PointElement, Filler } from 'chart.js';
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
