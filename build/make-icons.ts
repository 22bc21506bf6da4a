/**
 * Makes the installer and window icons from build/icon.svg: icon.png (512 px, Linux) and
 * icon.ico (256 px PNG inside, Windows Vista and later). Run after changing the SVG:
 * `npx tsx build/make-icons.ts`; the results are committed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

const dir = import.meta.dirname;
const svg = readFileSync(join(dir, 'icon.svg'));
writeFileSync(join(dir, 'icon.png'), await sharp(svg).resize(512, 512).png().toBuffer());
const png256 = await sharp(svg).resize(256, 256).png().toBuffer();
// ICONDIR (reserved, type 1 = icon, 1 image) + one ICONDIRENTRY (0 = 256 px, 1 plane, 32 bpp, size, offset 22).
const header = Buffer.alloc(22);
header.writeUInt16LE(0, 0);
header.writeUInt16LE(1, 2);
header.writeUInt16LE(1, 4);
header.writeUInt16LE(1, 10);
header.writeUInt16LE(32, 12);
header.writeUInt32LE(png256.length, 14);
header.writeUInt32LE(22, 18);
writeFileSync(join(dir, 'icon.ico'), Buffer.concat([header, png256]));
