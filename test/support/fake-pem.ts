/**
 * A PEM-shaped block with a placeholder body, for redaction tests that plant "secrets". Assembled at run time so the tree
 * carries no private-key header that a secret scanner would (rightly) flag; it is not a key.
 */
export function fakePem(kind: 'PRIVATE KEY' | 'RSA PRIVATE KEY' | 'EC PRIVATE KEY', body: string): string {
  const dashes = '-'.repeat(5);
  return [`${dashes}BEGIN ${kind}${dashes}`, body, `${dashes}END ${kind}${dashes}`].join('\n');
}
