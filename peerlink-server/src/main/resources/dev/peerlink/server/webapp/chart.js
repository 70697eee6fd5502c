// A small time-series line chart drawn on a canvas by hand: the last `windowSeconds` of samples, a y axis that
// grows to fit, and the latest value as text.

export class LineChart {
  constructor(canvas, {title, unit, color = '#2b6cb0', windowSeconds = 60, format = v => v.toFixed(1)}) {
    this.canvas = canvas;
    this.title = title;
    this.unit = unit;
    this.color = color;
    this.windowMs = windowSeconds * 1000;
    this.format = format;
    this.samples = [];
  }

  push(value, now = performance.now()) {
    if (!Number.isFinite(value)) return;
    this.samples.push({t: now, v: value});
    while (this.samples.length && this.samples[0].t < now - this.windowMs) this.samples.shift();
    this.draw(now);
  }

  clear() {
    this.samples = [];
    this.draw(performance.now());
  }

  draw(now = performance.now()) {
    const canvas = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 320, height = canvas.clientHeight || 120;
    if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
    if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const left = 44, top = 20, right = width - 8, bottom = height - 16;
    const max = niceCeiling(Math.max(1e-9, ...this.samples.map(s => s.v)));
    g.font = '11px system-ui, sans-serif';
    g.fillStyle = '#555';
    g.strokeStyle = '#ddd';
    g.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const y = bottom - (bottom - top) * i / 4;
      g.beginPath();
      g.moveTo(left, y);
      g.lineTo(right, y);
      g.stroke();
      g.fillText(this.format(max * i / 4), 2, y + 4);
    }
    g.fillStyle = '#222';
    const latest = this.samples.length ? this.format(this.samples[this.samples.length - 1].v) + ' ' + this.unit : '–';
    g.fillText(this.title + ': ' + latest, left, 12);
    g.fillStyle = '#777';
    g.fillText('last ' + this.windowMs / 1000 + ' s', right - 60, height - 3);
    if (this.samples.length < 1) return;
    g.strokeStyle = this.color;
    g.lineWidth = 2;
    g.beginPath();
    this.samples.forEach((s, i) => {
      const x = right - (now - s.t) / this.windowMs * (right - left);
      const y = bottom - s.v / max * (bottom - top);
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
    });
    g.stroke();
  }
}

/** 1, 2 or 5 times a power of ten, at least `value`. */
function niceCeiling(value) {
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}
