// Small SVG line charts: no library, redrawn from scratch (a few hundred points at most).
const NS = "http://www.w3.org/2000/svg";

function node(tag, attrs) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  return n;
}

/**
 * lines: [{ values: (number|null)[], color }]; every line has the same length (one value per second).
 * The y axis starts at 0 and ends at the largest value; the label in the corner says what that is.
 */
export function lineChart(svg, lines, unit) {
  const W = 600;
  const H = 120;
  const pad = 4;
  svg.replaceChildren();
  let max = 0;
  for (const l of lines) for (const v of l.values) if (v !== null && v > max) max = v;
  const top = max === 0 ? 1 : max * 1.1;
  for (const frac of [0.5, 1]) {
    const y = H - pad - (H - 2 * pad) * (frac / 1.1);
    svg.append(node("line", { x1: 0, x2: W, y1: y, y2: y, stroke: "#26313d", "stroke-width": 1 }));
  }
  for (const l of lines) {
    const n = l.values.length;
    const pts = [];
    l.values.forEach((v, i) => {
      if (v === null) return;
      const x = n <= 1 ? W : (i / (n - 1)) * W;
      const y = H - pad - (v / top) * (H - 2 * pad);
      pts.push(`${x.toFixed(1)},${y.toFixed(1)}`);
    });
    if (pts.length > 0)
      svg.append(
        node("polyline", {
          points: pts.join(" "),
          fill: "none",
          stroke: l.color,
          "stroke-width": 1.5,
          "vector-effect": "non-scaling-stroke",
        }),
      );
  }
  const label = node("text", { x: 6, y: 14, fill: "#8393a3", "font-size": 11 });
  label.textContent = `max ${Math.round(max * 10) / 10} ${unit}`;
  svg.append(label);
}
