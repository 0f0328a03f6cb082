// The one PDA the IDL cannot describe: a round's shard, whose number is computed from the
// submitting node's index (`index / SHARD_NODES`). Every other PDA has a generated
// `find*Pda` helper and is derived by the `get*InstructionAsync` builders.
import {
  getAddressEncoder,
  getProgramDerivedAddress,
  getU16Encoder,
  getU64Encoder,
  type Address,
  type ProgramDerivedAddress,
} from '@solana/kit';
import { GRADUAL_PROGRAM_ADDRESS } from './generated/index.js';

/** Node indexes per round shard (the IDL's SHARD_NODES). */
export const SHARD_NODES = 1024;

/** `["shard", task, round u64 LE, shard u16 LE]`. */
export async function findShardPda(
  seeds: { task: Address; roundNumber: number | bigint; shard: number },
  config: { programAddress?: Address } = {},
): Promise<ProgramDerivedAddress> {
  return getProgramDerivedAddress({
    programAddress: config.programAddress ?? GRADUAL_PROGRAM_ADDRESS,
    seeds: [
      new TextEncoder().encode('shard'),
      getAddressEncoder().encode(seeds.task),
      getU64Encoder().encode(seeds.roundNumber),
      getU16Encoder().encode(seeds.shard),
    ],
  });
}

/** The shard a node index submits into. */
export function shardOf(nodeIndex: number): number {
  return Math.floor(nodeIndex / SHARD_NODES);
}
