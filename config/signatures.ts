/**
 * `promotion:signatures`: whether this environment takes only images carrying a valid cosign
 * signature for a public key (docs/registry.md#signatures). The key is public: it may sit in the
 * stack file. Checked by the command line before it pins a tag into the environment.
 */
import * as crypto from "crypto";
import { z } from "zod";
import type { SignatureConfig } from "../model/environment";
import { strictObject } from "./zodShapes";

const PUBLIC_KEY =
  "a PEM public key (-----BEGIN PUBLIC KEY-----...), ECDSA P-256 as `cosign generate-key-pair` writes";

export const signaturesSchema = strictObject({
  required: z.boolean({ error: "true or false" }),
  publicKey: z.string({ error: PUBLIC_KEY }).refine(
    (pem) => {
      try {
        const key = crypto.createPublicKey(pem);
        return (
          key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1"
        );
      } catch {
        return false;
      }
    },
    { error: PUBLIC_KEY },
  ),
}) satisfies z.ZodType<SignatureConfig>;
