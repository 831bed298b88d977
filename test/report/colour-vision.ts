// Colours as readers with each kind of colour blindness see them: Machado, Oliveira and Fernandes'
// 2009 simulation matrices (severity 1) on linear RGB, then CIELAB, where a distance of about 2 is just
// noticeable and 10 or more is easy to tell apart.

export const MACHADO = {
  protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
  deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
  tritanopia: [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.3039]],
  normal: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
};
const lin = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
function lab(linear: number[]): number[] {
  const [r, g, b] = linear.map((v) => Math.max(0, Math.min(1, v)));
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const [x, y, z] = [(0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b, (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883];
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}
export const seen = (hex: string, m: number[][]) => lab(m.map((row) => row.reduce((t, k, i) => t + k * lin(rgb(hex)[i]), 0)));
export const distance = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
/** The smallest distance between two colours of `colours` as a reader with `m` sees them. */
export const closest = (colours: readonly string[], m: number[][]) =>
  Math.min(...colours.flatMap((a, i) => colours.slice(i + 1).map((b) => distance(seen(a, m), seen(b, m)))));

