/**
 * Cosign signatures, verified without cosign (issue #14): cosign stores the signature of an image
 * `repo@sha256:<hex>` as the tag `repo:sha256-<hex>.sig`, whose manifest's layers are "simple
 * signing" payloads (application/vnd.dev.cosign.simplesigning.v1+json) each with its base64 ECDSA
 * signature in the annotation `dev.cosignproject.cosign/signature`. A signature is good when it
 * verifies with the configured public key over the payload bytes and the payload names the image's
 * digest. Pure: adapters/registry.ts fetches the payloads.
 */
import * as crypto from "crypto";

export const SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
export const SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";

/** The tag cosign stores an image's signatures under: sha256-<hex>.sig. */
export function signatureTag(digest: string): string {
  return `${digest.replace(":", "-")}.sig`;
}

/** One signature layer as the registry holds it: the payload bytes and the annotation. */
export interface SignatureLayer {
  payload: Buffer;
  /** Base64 of the DER ECDSA signature (the annotation), when the layer has one. */
  signature?: string;
}

/** The simple-signing payload cosign signs. */
export function simpleSigningPayload(dockerReference: string, digest: string): string {
  return JSON.stringify({
    critical: {
      identity: { "docker-reference": dockerReference },
      image: { "docker-manifest-digest": digest },
      type: "cosign container image signature",
    },
    optional: null,
  });
}

/** Whether one layer is a good signature of `digest` for the key, or why not. */
function checkLayer(
  layer: SignatureLayer,
  digest: string,
  key: crypto.KeyObject,
): string | undefined {
  if (!layer.signature) return "a layer without a signature annotation";
  let signed = false;
  try {
    signed = crypto.verify("sha256", layer.payload, key, Buffer.from(layer.signature, "base64"));
  } catch {
    signed = false;
  }
  if (!signed) return "a signature that does not verify with the configured public key";
  let payload: { critical?: { image?: { "docker-manifest-digest"?: unknown }; type?: unknown } };
  try {
    payload = JSON.parse(layer.payload.toString("utf8")) as typeof payload;
  } catch {
    return "a signed payload that is not JSON";
  }
  if (payload.critical?.type !== "cosign container image signature") {
    return "a signed payload that is not a cosign image signature";
  }
  const named = payload.critical.image?.["docker-manifest-digest"];
  if (named !== digest) return `a valid signature of another image (${String(named)})`;
  return undefined;
}

/**
 * Whether `digest` carries a good signature for the PEM public key among `layers` (none when the
 * registry has no .sig tag): "signed", or why it is refused.
 */
export function verifySignatures(
  layers: readonly SignatureLayer[],
  digest: string,
  publicKeyPem: string,
): { signed: true } | { refused: string } {
  if (layers.length === 0) {
    return { refused: `it is not signed: the registry has no ${signatureTag(digest)}` };
  }
  const key = crypto.createPublicKey(publicKeyPem);
  const problems: string[] = [];
  for (const layer of layers) {
    const problem = checkLayer(layer, digest, key);
    if (problem === undefined) return { signed: true };
    problems.push(problem);
  }
  return {
    refused: `none of its ${layers.length} signature(s) is good: ${[...new Set(problems)].join("; ")}`,
  };
}
