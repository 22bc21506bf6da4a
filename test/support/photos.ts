import { createHash } from 'node:crypto';
import sharp from 'sharp';

/**
 * A camera-like photo: noise (so JPEG cannot shrink it much, like real detail), taken sideways
 * (EXIF orientation 6), with a capture time and a GPS position in its EXIF.
 */
export async function cameraPhoto(width: number, height: number, quality = 93): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 50 } } })
    .jpeg({ quality })
    .withMetadata({ orientation: 6 })
    .withExifMerge({
      IFD2: { DateTimeOriginal: '2026:11:20 10:15:00' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '52/1 30/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '13/1 24/1 0/1' },
    })
    .toBuffer();
}

/** About 5 MB, a large camera photo (3000 × 2250 at quality 93). */
export const fiveMegabytePhoto = () => cameraPhoto(3000, 2250);

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
