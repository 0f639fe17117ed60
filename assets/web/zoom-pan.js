// Zoom and pan for a uPlot chart: the wheel zooms the x axis around the pointer (with Shift, the y axis),
// dragging pans, a double click or resetZoom() shows everything again. Never beyond the data's extent.

export function zoomPan({ x, y }) {
  // x, y: () => [min, max] full extents; y undefined = the y axis keeps its own range.
  const axes = () => [['x', x], ...(y ? [['y', y]] : [])];
  const clampTo = (full, min, max) => {
    const span = Math.min(max - min, full[1] - full[0]);
    const lo = Math.min(Math.max(min, full[0]), full[1] - span);
    return { min: lo, max: lo + span };
  };
  let u;
  // uPlot passes even an explicitly set x range through the scale's range function: it must keep a zoom.
  let zoomedX = false;
  const setX = (range) => {
    zoomedX = true;
    u.setScale('x', range);
  };
  const reset = () => {
    zoomedX = false;
    u.batch(() => axes().forEach(([key, full]) => u.setScale(key, { min: full()[0], max: full()[1] })));
  };
  return {
    /** The x scale's range function: the full extent, or the zoom. */
    xRange: (_u, min, max) => (zoomedX && min != null && max != null ? [min, max] : x()),
    reset: () => u && reset(),
    plugin: {
      hooks: {
        ready(plot) {
          u = plot;
          const over = u.over;
          over.addEventListener(
            'wheel',
            (e) => {
              e.preventDefault();
              const key = e.shiftKey && y ? 'y' : 'x';
              const full = (key === 'x' ? x : y)();
              const rect = over.getBoundingClientRect();
              const at = key === 'x' ? u.posToVal(e.clientX - rect.left, 'x') : u.posToVal(e.clientY - rect.top, 'y');
              const { min, max } = u.scales[key];
              const factor = Math.exp(Math.sign(e.deltaY) * Math.min(Math.abs(e.deltaY), 200) * 0.0015);
              // At most 1/400 of the extent: a few buckets or bars stay on screen.
              if (factor < 1 && (max - min) * factor < (full[1] - full[0]) / 400) return;
              const range = clampTo(full, at - (at - min) * factor, at + (max - at) * factor);
              if (key === 'x') setX(range);
              else u.setScale('y', range);
            },
            { passive: false },
          );
          let drag = null;
          over.addEventListener('pointerdown', (e) => {
            if (e.button !== 0) return;
            drag = { x: e.clientX, y: e.clientY, sx: { ...u.scales.x }, sy: { ...u.scales.y } };
            over.setPointerCapture(e.pointerId);
          });
          over.addEventListener('pointermove', (e) => {
            if (!drag) return;
            const w = over.clientWidth;
            const h = over.clientHeight;
            u.batch(() => {
              const dx = ((e.clientX - drag.x) / w) * (drag.sx.max - drag.sx.min);
              setX(clampTo(x(), drag.sx.min - dx, drag.sx.max - dx));
              if (y) {
                const dy = ((e.clientY - drag.y) / h) * (drag.sy.max - drag.sy.min);
                u.setScale('y', clampTo(y(), drag.sy.min + dy, drag.sy.max + dy));
              }
            });
          });
          const end = () => (drag = null);
          over.addEventListener('pointerup', end);
          over.addEventListener('pointercancel', end);
          over.addEventListener('dblclick', reset);
        },
      },
    },
  };
}
