// The smallest ONNX model that is one matmul, C[M, N] = A[M, K] . B[K, N], with B stored
// in the model as an initializer (weights, as a real model holds them) and A an input.
// Written as protobuf by hand: a dozen fields of onnx.proto, not worth a dependency.

const utf8 = new TextEncoder();

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// Protobuf fields: a varint (wire type 0) or length-delimited bytes (wire type 2).
const int = (field: number, n: number) => new Uint8Array([...varint(field * 8), ...varint(n)]);
const bytes = (field: number, b: Uint8Array) => concat([new Uint8Array([...varint(field * 8 + 2), ...varint(b.length)]), b]);
const text = (field: number, s: string) => bytes(field, utf8.encode(s));
const message = (field: number, ...parts: Uint8Array[]) => bytes(field, concat(parts));

const FLOAT = 1; // TensorProto.DataType.FLOAT

/** TypeProto { tensor_type { elem_type: FLOAT, shape { dim { dim_value } ... } } } */
const floatTensorType = (dims: number[]) => message(1, int(1, FLOAT), message(2, ...dims.map((d) => message(1, int(1, d)))));
/** ValueInfoProto { name, type } as graph field `field` (11 input, 12 output). */
const valueInfo = (field: number, name: string, dims: number[]) => message(field, text(1, name), message(2, floatTensorType(dims)));

/** ModelProto bytes (IR version 8, opset 13) for C = MatMul(A, B). */
export function onnxMatmulModel(M: number, K: number, N: number, b: Float32Array): Uint8Array {
  if (b.length !== K * N) throw new RangeError(`B holds ${b.length} values, not ${K} x ${N}`);
  const graph = concat([
    message(1, text(1, 'A'), text(1, 'B'), text(2, 'C'), text(3, 'matmul'), text(4, 'MatMul')), // NodeProto
    text(2, 'peer_matmul'),
    // TensorProto
    message(5, int(1, K), int(1, N), int(2, FLOAT), text(8, 'B'), bytes(9, new Uint8Array(b.buffer, b.byteOffset, b.byteLength))),
    valueInfo(11, 'A', [M, K]),
    valueInfo(12, 'C', [M, N]),
  ]);
  return concat([int(1, 8), text(2, 'webgpu-inference-engine bench'), message(7, graph), message(8, text(1, ''), int(2, 13))]);
}
