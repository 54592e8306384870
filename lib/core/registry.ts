// Which class opens which kind: used by procsync.open(name) and deserialize().
import { coded } from './errors';
import { KindName, kindName } from './kinds';
import { NativeSegment } from './native';
import { Primitive, openSegment } from './primitive';

type Attacher = (seg: NativeSegment) => Primitive;
const attachers = new Map<KindName, Attacher>();

/** Each class module registers how to wrap an opened segment of its kind. */
export function registerKind(kind: KindName, attach: Attacher): void {
  attachers.set(kind, attach);
}

/** Opens the named primitive, whatever its class (optionally requiring one kind). */
export function openByName(name: string, kind?: KindName, opts?: { allowOwner?: number }): Primitive {
  const seg = openSegment(name, kind, opts);
  const k = kindName(seg.info().kind);
  const attach = k && attachers.get(k);
  if (!attach) {
    seg.close();
    throw coded('ERR_KIND_MISMATCH', `'${name}' holds a kind this version cannot open`);
  }
  return attach(seg);
}
