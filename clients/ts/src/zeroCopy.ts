// Decoders for the tails of the two zero-copy accounts, which the IDL describes only in its
// type docs: Codama's generated decoders (getRoundDecoder, getDistributionListDecoder) read the
// fixed header; these read what follows it. Layouts (programs/gradual/src/state):
//   Round:            header | submitted | slashed | failed_distributor
//                     (three bitmaps of ceil(max_nodes / 8) bytes; bit = node index)
//   DistributionList: header | candidates (max_nodes bits) | claimed | filled | starts
//                     (declared_count bits each) | declared_count entries of
//                     DISTRIBUTION_ENTRY_LEN bytes (node index u16 LE, amount u64 LE)
// Bitmaps are LSB-first inside each byte: bit i is bytes[i >> 3] >> (i & 7) & 1.
import type { ReadonlyUint8Array } from '@solana/kit';
import {
  getDistributionListDecoder,
  getRoundDecoder,
  type DistributionList,
  type Round,
} from './generated/index.js';

/** Bytes of one list entry (the IDL's DISTRIBUTION_ENTRY_LEN). */
export const DISTRIBUTION_ENTRY_LEN = 10;
/** Node index meaning "no node" (the IDL's NO_NODE). */
export const NO_NODE = 0xffff_ffff;
/** Round number meaning "never" (the IDL's NO_ROUND). */
export const NO_ROUND = 0xffff_ffff_ffff_ffffn;

/** Round.distribution_status codes (the IDL's DISTRIBUTION_STATUS_* constants). */
export enum DistributionStatus {
  AwaitingSelection = 0,
  Selected = 1,
  Uploading = 2,
  Sealed = 3,
  Accepted = 4,
  Failed = 5,
}

/** DistributionList.status codes (the IDL's LIST_STATUS_* constants). */
export enum ListStatus {
  Uploading = 0,
  Sealed = 1,
  Accepted = 2,
  Rejected = 3,
}

/** A set of node indexes (or list positions) stored as a bitmap. */
export class Bitmap {
  constructor(
    readonly bytes: ReadonlyUint8Array,
    readonly bits: number,
  ) {}

  has(index: number): boolean {
    if (index < 0 || index >= this.bits) return false;
    return ((this.bytes[index >> 3] >> (index & 7)) & 1) === 1;
  }

  /** The set indexes, ascending. */
  ones(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.bits; i++) if (this.has(i)) out.push(i);
    return out;
  }
}

const bytesFor = (bits: number) => Math.ceil(bits / 8);

function slice(data: ReadonlyUint8Array, start: number, len: number, what: string) {
  if (start + len > data.length) {
    throw new Error(`${what}: account data ends at ${data.length}, needs ${start + len} bytes`);
  }
  return data.subarray(start, start + len);
}

export interface RoundView {
  header: Round;
  submitted: Bitmap;
  slashed: Bitmap;
  failedDistributor: Bitmap;
}

/** Decodes a whole Round account (discriminator, header and bitmaps). */
export function decodeRoundView(data: ReadonlyUint8Array): RoundView {
  const decoder = getRoundDecoder();
  const header = decoder.decode(data);
  const start = decoder.fixedSize;
  const n = header.maxNodes;
  const len = bytesFor(n);
  return {
    header,
    submitted: new Bitmap(slice(data, start, len, 'Round.submitted'), n),
    slashed: new Bitmap(slice(data, start + len, len, 'Round.slashed'), n),
    failedDistributor: new Bitmap(slice(data, start + 2 * len, len, 'Round.failed_distributor'), n),
  };
}

export interface ListEntry {
  nodeIndex: number;
  amount: bigint;
}

export interface DistributionListView {
  header: DistributionList;
  candidates: Bitmap;
  claimed: Bitmap;
  filled: Bitmap;
  starts: Bitmap;
  /** Every declared position; positions not written yet (see `filled`) read as zeros. */
  entries: ListEntry[];
}

/**
 * Decodes a whole DistributionList. While the list is still growing toward its full size
 * (begin_distribution creates at most 10 KiB), the tail may be short: use it once sealed.
 */
export function decodeDistributionListView(data: ReadonlyUint8Array): DistributionListView {
  const decoder = getDistributionListDecoder();
  const header = decoder.decode(data);
  const count = header.declaredCount;
  const maxBytes = bytesFor(header.maxNodes);
  const countBytes = bytesFor(count);
  let at = decoder.fixedSize;
  const take = (len: number, what: string) => {
    const s = slice(data, at, len, what);
    at += len;
    return s;
  };
  const candidates = new Bitmap(take(maxBytes, 'candidates'), header.maxNodes);
  const claimed = new Bitmap(take(countBytes, 'claimed'), count);
  const filled = new Bitmap(take(countBytes, 'filled'), count);
  const starts = new Bitmap(take(countBytes, 'starts'), count);
  const raw = take(count * DISTRIBUTION_ENTRY_LEN, 'entries');
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const entries: ListEntry[] = [];
  for (let k = 0; k < count; k++) {
    const o = k * DISTRIBUTION_ENTRY_LEN;
    entries.push({ nodeIndex: view.getUint16(o, true), amount: view.getBigUint64(o + 2, true) });
  }
  return { header, candidates, claimed, filled, starts, entries };
}
