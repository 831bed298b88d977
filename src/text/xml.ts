// Escaping for text placed in SVG and HTML, which the topology drawing and the report both write.

/** Escapes text for XML and HTML (element content and double-quoted attributes). */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
