// Placeholder until scripts/build_dashboard.ts writes the real assets.
export const INDEX_HTML = "<!doctype html><title>tq dashboard</title><div id=app></div>";
export const APP_JS = "";
export const APP_CSS = "";
export const ASSET_BYTES = { html: 0, js: 0, css: 0 };
