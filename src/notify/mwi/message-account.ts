/**
 * `Message-Account` of a mailbox (RFC 3842 §3.5): `sip:<mailbox>@<host>`, the mailbox id
 * escaped as a URI user part (RFC 3261 §25.1) so no id can break the body's line.
 */
export function messageAccount(mailboxId: string, host: string): string {
  const user = Array.from(Buffer.from(mailboxId, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-_.!~*'()&=+$,;?/]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
  return `sip:${user}@${host}`;
}
