// The caller's credential, kept for this browser tab only: sessionStorage ends with the tab, and nothing here ever
// puts it in a URL, the DOM or the console.

/** How the credential is sent: an API key in x-api-key, or a JWT as a bearer token. */
export type CredentialKind = "api-key" | "bearer";

export interface Credential {
  kind: CredentialKind;
  value: string;
}

const storageKey = "service-analytics.credential";

export function loadCredential(): Credential | null {
  const stored = sessionStorage.getItem(storageKey);
  if (stored === null) {
    return null;
  }
  const parsed = JSON.parse(stored) as Partial<Credential>;
  return (parsed.kind === "api-key" || parsed.kind === "bearer") && typeof parsed.value === "string" && parsed.value !== ""
    ? { kind: parsed.kind, value: parsed.value }
    : null;
}

export function saveCredential(credential: Credential): void {
  sessionStorage.setItem(storageKey, JSON.stringify(credential));
}

export function forgetCredential(): void {
  sessionStorage.removeItem(storageKey);
}

/** The request headers that carry the credential. */
export function credentialHeaders(credential: Credential): Record<string, string> {
  return credential.kind === "api-key"
    ? { "x-api-key": credential.value }
    : { Authorization: `Bearer ${credential.value}` };
}
