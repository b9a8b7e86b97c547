/**
 * Makes navigator.language a tag Intl accepts. Chromium started under
 * LANG=C (servers, CI, containers) reports "en-US@posix", which
 * Intl.NumberFormat rejects; uPlot builds one from it when it loads, so the
 * whole page would fail before drawing anything. Imported first by main.ts,
 * so it runs before uPlot's module does.
 */
try {
  new Intl.NumberFormat(navigator.language);
} catch {
  const cleaned = navigator.language.replace(/@.*$/, "");
  let usable = "en-US";
  try {
    new Intl.NumberFormat(cleaned);
    usable = cleaned;
  } catch {
    // Not even without its modifier: fall back to en-US.
  }
  Object.defineProperty(navigator, "language", { value: usable, configurable: true });
}
