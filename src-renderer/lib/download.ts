/** Saving files from the renderer: a Blob behind a temporary <a download> (works in the browser and in Electron). */
function save(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Downloads text as a file. */
export function downloadText(text: string, fileName: string, mime: string): void {
  save(new Blob([text], { type: `${mime};charset=utf-8` }), fileName);
}

/** Downloads base64-encoded bytes as a file. */
export function downloadBase64(b64: string, fileName: string, mime: string): void {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  save(new Blob([bytes], { type: mime }), fileName);
}
