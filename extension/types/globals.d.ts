// The globals the extension's scripts share: each is set by one file in
// src/ (or ui.js) as root.OnbrandX, and is that file's module.exports in node.
// test/load_order.test.js checks that every entry point loads the file
// before the files that read its global.
declare var OnbrandI18n: Readonly<typeof import('../src/shared/i18n.js')>;
declare var OnbrandProtocol: Readonly<typeof import('../src/shared/protocol.js')>;
declare var OnbrandSites: Readonly<typeof import('../src/shared/sites.js')>;
declare var OnbrandSettings: Readonly<typeof import('../src/shared/settings.js')>;
declare var OnbrandMetrics: Readonly<typeof import('../src/shared/metrics.js')>;
declare var OnbrandAdapters: Readonly<typeof import('../src/content/adapters.js')>;
declare var OnbrandSchedule: Readonly<typeof import('../src/shared/schedule.js')>;
declare var OnbrandPresent: Readonly<typeof import('../src/content/present.js')>;
declare var OnbrandOverlayCss: string;
declare var OnbrandOverlay: Readonly<typeof import('../src/content/overlay.js')>;
declare var OnbrandUi: Readonly<typeof import('../ui.js')>;

// A Chromium service worker's (lib.dom has no worker globals; the Firefox
// background page, which has no importScripts, is a DOM page).
declare function importScripts(...urls: string[]): void;

// HTML's clearTimeout and clearInterval take any id and ignore one that names
// no timer: the code clears timers it keeps as `null` when none is running.
declare function clearTimeout(id: number | null | undefined): void;
declare function clearInterval(id: number | null | undefined): void;
