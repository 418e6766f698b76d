/*
 * The sites the extension knows: each built-in site's settings key, label,
 * platform and hosts, and the lookups from a page's hostname to its site.
 * Shared by the background, the content scripts and the pages (settings are
 * kept per site); the DOM side of a site lives in content/adapters.js.
 * Pure: node tests require it directly.
 */

/**
 * @typedef {object} Site a built-in site
 * @property {string} key the per-site setting's name
 * @property {string} label
 * @property {string} platform one of protocol.js's PLATFORMS
 * @property {string[]} hosts
 */

(function (root) {
  'use strict';

  /*
   * Sites with an adapter and a content script in the manifest. `key` is the
   * per-site setting's name. Hosts match themselves and their subdomains.
   * Mastodon has no fixed host: a few large servers are listed; any other
   * server is enabled by the person and recognised by its DOM.
   */
  /** @type {ReadonlyArray<Site>} */
  const SITES = Object.freeze([
    { key: 'x.com', label: 'X', platform: 'x', hosts: ['x.com', 'twitter.com'] },
    { key: 'linkedin.com', label: 'LinkedIn', platform: 'linkedin', hosts: ['linkedin.com'] },
    { key: 'facebook.com', label: 'Facebook', platform: 'facebook', hosts: ['facebook.com'] },
    { key: 'threads.net', label: 'Threads', platform: 'threads', hosts: ['threads.net', 'threads.com'] },
    { key: 'bsky.app', label: 'Bluesky', platform: 'bluesky', hosts: ['bsky.app'] },
    {
      key: 'mastodon',
      label: 'Mastodon (large servers)',
      platform: 'mastodon',
      hosts: ['mastodon.social', 'mastodon.online', 'mastodon.world', 'mstdn.social', 'mas.to',
        'fosstodon.org', 'hachyderm.io', 'infosec.exchange'],
    },
  ]);

  function hostMatches(hostname, host) {
    return hostname === host || hostname.endsWith('.' + host);
  }

  /** The built-in site a hostname belongs to, or null. */
  function siteFor(hostname) {
    const h = String(hostname || '').toLowerCase();
    return SITES.find((s) => s.hosts.some((host) => hostMatches(h, host))) || null;
  }

  /** The settings key for a hostname: the built-in site's key, else the hostname. */
  function siteKey(hostname) {
    const site = siteFor(hostname);
    return site ? site.key : String(hostname || '').toLowerCase().replace(/^www\./, '');
  }

  const api = { SITES, siteFor, siteKey };
  root.OnbrandSites = api;
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
})(globalThis);
