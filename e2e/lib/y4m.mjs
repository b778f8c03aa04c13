// A known-safe video for Chromium's fake camera (--use-file-for-fake-video-
// capture), written at test time: YUV4MPEG2 (4:2:0), a slowly scrolling
// blue-green gradient with a few darker bars. No people, no skin tones: the
// shield's classifier must see it as safe. Chromium loops the file.
import { writeFileSync } from 'node:fs';

export function writeSafeY4m(file, { width = 320, height = 240, frames = 20, fps = 10 } = {}) {
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`, 'ascii');
  const ySize = width * height;
  const cSize = (width / 2) * (height / 2);
  const parts = [header];
  for (let f = 0; f < frames; f++) {
    const y = Buffer.alloc(ySize);
    const u = Buffer.alloc(cSize);
    const v = Buffer.alloc(cSize);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const bar = Math.floor((c + f * 4) / 40) % 4 === 0 ? 40 : 0;
        y[r * width + c] = Math.max(16, Math.min(235, 60 + Math.round((140 * r) / height) - bar));
      }
    }
    for (let r = 0; r < height / 2; r++) {
      for (let c = 0; c < width / 2; c++) {
        // Cb high (blue) to low-ish, Cr low (no red): blues and greens only.
        u[r * (width / 2) + c] = 150 + Math.round((60 * ((c + f * 2) % (width / 2))) / (width / 2));
        v[r * (width / 2) + c] = 90 - Math.round((30 * r) / (height / 2));
      }
    }
    parts.push(Buffer.from('FRAME\n', 'ascii'), y, u, v);
  }
  writeFileSync(file, Buffer.concat(parts));
  return file;
}
