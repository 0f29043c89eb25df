// Boundary checks on a serialised SEAL object before SEAL sees it.
//
// SEAL's own load checks an object against its context, but it inflates a compressed payload in
// full before looking at it: a 33 KB zstd stream of zeros makes it allocate 4 GB (WebAssembly
// memory never shrinks again). So the header is read here, the size is bounded, and a zstd payload's
// decompressed size is bounded from its frame and block headers (RFC 8878) without inflating it.
import { DataportError, type ErrorCode } from '../errors.js';

// SEAL 4.x native/src/seal/serialization.h, struct SEALHeader (16 bytes, little-endian).
const SEAL_MAGIC = 0xa15e;
const SEAL_HEADER_SIZE = 0x10;
const SEAL_VERSION_MAJOR = 4;
const COMPR_NONE = 0;
const COMPR_ZLIB = 1;
const COMPR_ZSTD = 2;

// RFC 8878 3.1.1: a zstd frame's magic number; 3.1.2: skippable frames' magic numbers 0x184D2A5?.
const ZSTD_MAGIC = 0xfd2fb528;
const ZSTD_SKIPPABLE_MAGIC_HIGH = 0x184d2a5;
// RFC 8878 3.1.1.2.3: Block_Maximum_Size is the smaller of Window_Size and 128 KiB.
const ZSTD_BLOCK_MAXIMUM_SIZE = 128 * 1024;

/**
 * The bytes of one serialised SEAL object whose uncompressed form is at most `rawLimit` bytes:
 * SEAL 4 header, declared size equal to the input, uncompressed or zstd (zlib is refused: its
 * inflation cannot be bounded beforehand) and, for zstd, at most 2 * rawLimit + 256 KiB once inflated.
 */
export function checkSealBytes(value: unknown, rawLimit: number, code: ErrorCode, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new DataportError(code, `${what} must be a Uint8Array`);
  const bytes = value;
  if (bytes.length === 0) throw new DataportError(code, `${what} is empty`);
  if (bytes.length < SEAL_HEADER_SIZE) throw new DataportError(code, `${what} is ${bytes.length} bytes, shorter than the ${SEAL_HEADER_SIZE}-byte SEAL header`);
  const maxBytes = rawLimit + 4096; // zstd never grows incompressible data by more than its block headers
  if (bytes.length > maxBytes) throw new DataportError(code, `${what} is ${bytes.length} bytes, more than the ${maxBytes} it can be`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint16(0, true);
  if (magic !== SEAL_MAGIC) throw new DataportError(code, `${what} is not a SEAL object (magic 0x${magic.toString(16)}, want 0x${SEAL_MAGIC.toString(16)})`);
  if (bytes[2] !== SEAL_HEADER_SIZE) throw new DataportError(code, `${what} has a SEAL header of size ${bytes[2]}, want ${SEAL_HEADER_SIZE}`);
  if (bytes[3] !== SEAL_VERSION_MAJOR) throw new DataportError(code, `${what} is from SEAL ${bytes[3]}.${bytes[4]}, want ${SEAL_VERSION_MAJOR}.x`);
  if (view.getUint16(6, true) !== 0) throw new DataportError(code, `${what} has non-zero reserved SEAL header bytes`);
  const declared = view.getBigUint64(8, true);
  if (declared !== BigInt(bytes.length)) throw new DataportError(code, `${what} is ${bytes.length} bytes and its header says ${declared}: truncated or padded`);
  const mode = bytes[5];
  if (mode === COMPR_NONE) return bytes;
  if (mode === COMPR_ZLIB) throw new DataportError(code, `${what} is zlib-compressed: only zstd or uncompressed objects are accepted`);
  if (mode !== COMPR_ZSTD) throw new DataportError(code, `${what} has unknown SEAL compression mode ${mode}`);
  const limit = 2 * rawLimit + 2 * ZSTD_BLOCK_MAXIMUM_SIZE;
  const bound = zstdContentBound(bytes.subarray(SEAL_HEADER_SIZE), limit, code, what);
  if (bound > limit) throw new DataportError(code, `${what} may inflate to ${bound} bytes, more than the ${limit} it can be`);
  return bytes;
}

/**
 * An upper bound of the decompressed size of a sequence of zstd frames (RFC 8878 3.1), read from
 * the frame and block headers only. Stops early once the bound passes `limit`; throws `code` on
 * anything that is not a well-formed sequence of frames.
 */
export function zstdContentBound(data: Uint8Array, limit: number, code: ErrorCode, what: string): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const malformed = (why: string) => new DataportError(code, `${what} has a malformed zstd payload: ${why}`);
  let at = 0;
  const need = (n: number, field: string) => {
    if (at + n > data.length) throw malformed(`${field} is cut off at byte ${data.length}`);
  };
  let total = 0;
  if (data.length === 0) throw malformed('no frame');
  while (at < data.length) {
    need(4, 'Magic_Number');
    const magic = view.getUint32(at, true);
    at += 4;
    if (magic >>> 4 === ZSTD_SKIPPABLE_MAGIC_HIGH) {
      // 3.1.2: Frame_Size (4 bytes) then that many bytes of user data, which decode to nothing.
      need(4, 'Frame_Size');
      const size = view.getUint32(at, true);
      at += 4;
      need(size, 'User_Data');
      at += size;
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw malformed(`magic number 0x${magic.toString(16)}`);
    // 3.1.1.1.1 Frame_Header_Descriptor.
    need(1, 'Frame_Header_Descriptor');
    const fhd = data[at++]!;
    const fcsFlag = fhd >> 6;
    const singleSegment = (fhd >> 5) & 1;
    if ((fhd >> 3) & 1) throw malformed('Reserved_Bit is set');
    const contentChecksum = (fhd >> 2) & 1;
    const didFieldSize = [0, 1, 2, 4][fhd & 3]!;
    const fcsFieldSize = fcsFlag === 0 ? singleSegment : [0, 2, 4, 8][fcsFlag]!;
    // 3.1.1.1.2 Window_Descriptor is present unless Single_Segment_Flag; 3.1.1.1.3 Dictionary_ID.
    const skip = (singleSegment ? 0 : 1) + didFieldSize;
    need(skip + fcsFieldSize, 'Frame_Header');
    at += skip;
    // 3.1.1.1.4 Frame_Content_Size, when present, is checked by the decoder: use it as a bound too.
    if (fcsFieldSize > 0) {
      const fcs = fcsFieldSize === 1 ? data[at]! : fcsFieldSize === 2 ? view.getUint16(at, true) + 256 : fcsFieldSize === 4 ? view.getUint32(at, true) : Number(view.getBigUint64(at, true));
      if (fcs > limit) return fcs;
      at += fcsFieldSize;
    }
    // 3.1.1.2 Blocks: a 3-byte header (Last_Block, Block_Type, Block_Size), then the content.
    for (let last = 0; !last; ) {
      need(3, 'Block_Header');
      const header = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16);
      at += 3;
      last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (size > ZSTD_BLOCK_MAXIMUM_SIZE) throw malformed(`Block_Size ${size} exceeds ${ZSTD_BLOCK_MAXIMUM_SIZE}`);
      if (type === 0) {
        need(size, 'Raw_Block'); // Raw: size bytes, copied out as they are
        at += size;
        total += size;
      } else if (type === 1) {
        need(1, 'RLE_Block'); // RLE: one byte, repeated size times
        at += 1;
        total += size;
      } else if (type === 2) {
        need(size, 'Compressed_Block'); // Compressed: decodes to at most Block_Maximum_Size
        at += size;
        total += ZSTD_BLOCK_MAXIMUM_SIZE;
      } else {
        throw malformed('reserved Block_Type');
      }
      if (total > limit) return total;
    }
    if (contentChecksum) {
      need(4, 'Content_Checksum');
      at += 4;
    }
  }
  return total;
}
