/** Draws a BlazePose skeleton (33 landmarks, normalised) over a video on a canvas. */
export type Landmark = { type?: string; x: number; y: number; z: number; visibility: number };

// Pairs of BlazePose landmark indices: face outline left out, limbs and torso kept.
const BONES: [number, number][] = [
  [11, 12],
  [11, 13],
  [13, 15],
  [12, 14],
  [14, 16],
  [11, 23],
  [12, 24],
  [23, 24],
  [23, 25],
  [25, 27],
  [27, 29],
  [29, 31],
  [27, 31],
  [24, 26],
  [26, 28],
  [28, 30],
  [30, 32],
  [28, 32],
  [15, 17],
  [15, 19],
  [16, 18],
  [16, 20],
  [0, 11],
  [0, 12],
];
const MIN_VISIBILITY = 0.3;

/** Sizes the canvas to the video's pixels and draws the skeleton (or clears it with null). */
export function drawSkeleton(
  canvas: HTMLCanvasElement,
  size: { width: number; height: number },
  landmarks: Landmark[] | null,
  highlight?: number[],
) {
  if (canvas.width !== size.width) canvas.width = size.width;
  if (canvas.height !== size.height) canvas.height = size.height;
  const g = canvas.getContext("2d");
  if (!g) return;
  g.clearRect(0, 0, canvas.width, canvas.height);
  if (!landmarks || landmarks.length < 33) return;
  const px = (l: Landmark) => [l.x * size.width, l.y * size.height] as const;
  g.lineWidth = Math.max(2, size.width / 150);
  g.strokeStyle = "#00e5ff";
  for (const [a, b] of BONES) {
    const la = landmarks[a]!;
    const lb = landmarks[b]!;
    if (la.visibility < MIN_VISIBILITY || lb.visibility < MIN_VISIBILITY) continue;
    g.beginPath();
    g.moveTo(...px(la));
    g.lineTo(...px(lb));
    g.stroke();
  }
  const r = Math.max(3, size.width / 120);
  landmarks.forEach((l, i) => {
    if (l.visibility < MIN_VISIBILITY) return;
    g.fillStyle = highlight?.includes(i) ? "#ffb300" : "#ffffff";
    g.beginPath();
    g.arc(...px(l), r, 0, Math.PI * 2);
    g.fill();
  });
  canvas.dataset.landmarks = String(landmarks.filter((l) => l.visibility >= MIN_VISIBILITY).length);
}
