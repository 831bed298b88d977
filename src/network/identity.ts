// Ed25519 identities, persisted so that a restarted agent keeps its peer id.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import type { PrivateKey } from '@libp2p/interface';

export async function loadOrCreateKey(file: string): Promise<PrivateKey> {
  if (existsSync(file)) {
    try {
      return privateKeyFromProtobuf(readFileSync(file));
    } catch (err) {
      throw new Error(`${file}: not a libp2p private key (${(err as Error).message})`);
    }
  }
  const key = await generateKeyPair('Ed25519');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, privateKeyToProtobuf(key), { mode: 0o600 });
  return key;
}

export function peerIdString(key: PrivateKey): string {
  return peerIdFromPrivateKey(key).toString();
}
