/*! Causerie embed — comments for your pages, from your own server. AGPL-3.0-or-later */
// Plain JavaScript, no framework and no build step. It fills <div id="causerie">
// from the Causerie server given by the script's data-causerie attribute, and
// talks to nothing else. Text from readers always goes in as text (DOM APIs);
// only comment bodies, which the server has sanitized, are inserted as HTML.
(() => {
  'use strict';

  // Every sentence, in one table per language: adding a language is adding a key,
  // here and in extra.js (the sentences of what it does).
  const STRINGS = {
    en: {
      title: 'Comments',
      count: { one: '{n} comment', other: '{n} comments' },
      none: 'No comments yet.',
      loading: 'Loading comments…',
      loadFailed: 'The comments could not be loaded.',
      retry: 'Try again',
      more: 'Show more comments',
      leave: 'Leave a comment',
      replyTo: 'Reply to {name}',
      cancelReply: 'Cancel reply',
      privacy: 'Your email address will not be published.',
      requiredNote: 'Required fields are marked',
      comment: 'Comment',
      name: 'Name',
      email: 'Email',
      website: 'Website',
      notify: 'Notify me of replies by email',
      remember: 'Remember my name, email and website on this device',
      submit: 'Post comment',
      sending: 'Sending…',
      reply: 'Reply',
      edit: 'Edit',
      del: 'Delete',
      link: 'Link',
      linkTo: 'Link to {name}’s comment',
      copied: 'Link copied.',
      inBar: 'The link is in the address bar.',
      report: 'Report',
      reportOn: 'Report {name}’s comment',
      gone: 'This comment was removed.',
      myData: 'Your comments and your data',
      pending: 'Awaiting moderation',
      edited: 'edited',
      moderator: 'Moderator',
      closed: 'Comments are closed.',
      justNow: 'just now',
      posted: 'Your comment is published.',
      held: 'Your comment is awaiting moderation; it will appear here once approved.',
      canEdit: 'You can edit or delete it until {time}.',
      network:
        'The comment server could not be reached. Check your connection and try again: your text is kept.',
      server:
        'Something went wrong on the comment server. Please try again in a moment: your text is kept.',
    },
    fr: {
      title: 'Commentaires',
      count: { one: '{n} commentaire', other: '{n} commentaires' },
      none: 'Pas encore de commentaire.',
      loading: 'Chargement des commentaires…',
      loadFailed: 'Les commentaires n’ont pas pu être chargés.',
      retry: 'Réessayer',
      more: 'Afficher plus de commentaires',
      leave: 'Laisser un commentaire',
      replyTo: 'Répondre à {name}',
      cancelReply: 'Annuler la réponse',
      privacy: 'Votre adresse de messagerie ne sera pas publiée.',
      requiredNote: 'Les champs obligatoires sont indiqués avec',
      comment: 'Commentaire',
      name: 'Nom',
      email: 'Adresse de messagerie',
      website: 'Site web',
      notify: 'Me prévenir des réponses par e-mail',
      remember: 'Retenir mon nom, mon adresse de messagerie et mon site web sur cet appareil',
      submit: 'Laisser un commentaire',
      sending: 'Envoi…',
      reply: 'Répondre',
      edit: 'Modifier',
      del: 'Supprimer',
      link: 'Lien',
      linkTo: 'Lien vers le commentaire de {name}',
      copied: 'Lien copié.',
      inBar: 'Le lien est dans la barre d’adresse.',
      report: 'Signaler',
      reportOn: 'Signaler le commentaire de {name}',
      gone: 'Ce commentaire a été retiré.',
      myData: 'Vos commentaires et vos données',
      pending: 'En attente de modération',
      edited: 'modifié',
      moderator: 'Modérateur',
      closed: 'Les commentaires sont fermés.',
      justNow: 'à l’instant',
      posted: 'Votre commentaire est publié.',
      held: 'Votre commentaire est en attente de modération ; il apparaîtra ici une fois approuvé.',
      canEdit: 'Vous pouvez le modifier ou le supprimer jusqu’à {time}.',
      network:
        'Le serveur de commentaires est injoignable. Vérifiez votre connexion et réessayez : votre texte est conservé.',
      server:
        'Le serveur de commentaires a rencontré un problème. Réessayez dans un instant : votre texte est conservé.',
    },
  };

  // Own pending comments are shown to their author for a week at most.
  const PENDING_DAYS = 7;
  const FIELDS = ['body', 'author', 'email', 'website'];

  // The script finds its own tag: document.currentScript is set while an async
  // classic script runs; the selector covers a copy that lost it.
  const script = document.currentScript || document.querySelector('script[data-causerie]');
  if (!script) return;
  const base = (script.dataset.causerie || new URL(script.src).origin).replace(/\/+$/, '');
  // One Causerie may serve several sites: data-site names this page's; without it
  // the server tells by the page's origin.
  const site = script.dataset.site;
  const siteQuery = site ? 'site=' + encodeURIComponent(site) + '&' : '';

  // ---- small helpers -------------------------------------------------------

  // Builds an element. `class` names are prefixed with "causerie-" so that the
  // host page's styles and ours never meet; strings become text nodes, never HTML.
  function h(tag, attrs, kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === 'class') e.className = v.split(' ').map((c) => 'causerie-' + c).join(' ');
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const kid of [].concat(kids || [])) if (kid != null && kid !== false) e.append(kid);
    return e;
  }

  const fill = (s, vars) => s.replace(/\{(\w+)\}/g, (_, k) => vars[k]);

  // localStorage may be full, disabled or absent: the embed then simply forgets.
  const store = {
    get(key, dflt) {
      try {
        return JSON.parse(localStorage.getItem('causerie.' + key)) || dflt;
      } catch (e) {
        return dflt;
      }
    },
    set(key, value) {
      try {
        // Nothing, or an empty map, is no entry at all.
        if (!Object.keys(value || {}).length) localStorage.removeItem('causerie.' + key);
        else localStorage.setItem('causerie.' + key, JSON.stringify(value));
      } catch (e) {
        // nothing stored: the reader just loses the convenience
      }
    },
  };

  // Drops expired entries of a {id: {until}} map and saves what is left.
  function fresh(key) {
    const all = store.get(key, {});
    const now = Date.now();
    for (const id of Object.keys(all)) if (!(all[id].until > now)) delete all[id];
    store.set(key, all);
    return all;
  }

  const isWebUrl = (u) => typeof u === 'string' && /^https?:\/\//i.test(u);

  // Editing, deleting and reporting are for few readers: their code is a second file,
  // fetched the first time one of them is wanted, then kept (see Thread#later).
  let extra = null;

  // ---- start ---------------------------------------------------------------

  function start() {
    const root = document.getElementById('causerie');
    if (!root || root.dataset.causerieReady) return;
    root.dataset.causerieReady = '1';
    if (!root.hasAttribute('data-theme') && script.dataset.theme) root.dataset.theme = script.dataset.theme;
    loadStyles();
    new Thread(root, script.dataset.lang || root.closest('[lang]')?.lang).load();
  }

  function loadStyles() {
    const href = base + '/embed.css?v=__CAUSERIE_CSS_VERSION__';
    if (document.querySelector('link[data-causerie-css]')) return;
    document.head.append(h('link', { rel: 'stylesheet', href, 'data-causerie-css': true }));
  }

  // ---- the thread ----------------------------------------------------------

  class Thread {
    // `tag`: the language the page asks for, if it does.
    constructor(root, tag) {
      this.root = root;
      this.tag = tag;
      this.speak(tag || navigator.language);
      this.page = script.dataset.page || location.pathname;
      // Where the reader's own comments are remembered: the page, on its site.
      this.spot = site ? site + ':' + this.page : this.page;
      this.title = script.dataset.title || document.title;
      // Approved comments, as the server sent them.
      this.comments = [];
      this.count = 0;
      this.cursor = null;
      this.open = true;
      // The comment the form answers, or null.
      this.replyTo = null;
      root.classList.add('causerie');
      this.heading = h('h2', { class: 'heading', id: 'causerie-heading', tabindex: '-1', text: this.t.title });
      this.empty = h('p', { class: 'hint', text: this.t.loading });
      this.list = h('ol', { class: 'list' });
      this.more = h('button', {
        type: 'button',
        class: 'button more',
        hidden: true,
        onclick: () => this.fetchMore(),
      });
      this.respond = h('div', { class: 'respond' });
      // The one live region: what happened after a post, an edit, a copied link.
      this.status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
      const section = h('section', { class: 'thread', 'aria-labelledby': 'causerie-heading' }, [
        this.heading,
        this.empty,
        this.list,
        this.more,
        this.respond,
      ]);
      root.replaceChildren(section);
      // Dates stay relative ("3 minutes ago") while the page stays open.
      setInterval(() => this.refreshDates(), 60000);
      // A link to another comment followed on the same page.
      addEventListener('hashchange', () => this.mark(true));
    }

    speak(tag) {
      tag = (tag || '').toLowerCase().split(/[-_]/)[0];
      const lang = (this.lang = STRINGS[tag] ? tag : 'en');
      this.t = STRINGS[lang];
      this.rel = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
      this.exact = new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short' });
      this.clock = new Intl.DateTimeFormat(lang, { timeStyle: 'short' });
      this.plural = new Intl.PluralRules(lang);
      this.root.lang = lang;
    }

    async api(method, path, body, token) {
      const headers = { Accept: 'application/json', 'Accept-Language': this.lang };
      if (body) headers['Content-Type'] = 'application/json';
      if (token) headers.Authorization = 'Bearer ' + token;
      // Never cookies: Causerie identifies authors by their edit token only.
      const res = await fetch(base + '/api/v1' + path, {
        method,
        headers,
        body: body && JSON.stringify(body),
        credentials: 'omit',
      });
      let data = null;
      if (res.status !== 204) data = await res.json().catch(() => null);
      return { ok: res.ok, status: res.status, data: data || {} };
    }

    async load() {
      // The form's token is this page's.
      const q = '?' + siteQuery + 'page=' + encodeURIComponent(this.page);
      let first, failed;
      try {
        const [config, res] = await Promise.all([this.api('GET', '/config' + q), this.api('GET', '/comments' + q)]);
        failed = [config, res].find((r) => !r.ok);
        if (failed) throw 0;
        this.config = config.data;
        // A page that names no language speaks its site's.
        if (!this.tag) this.speak(this.config.default_language);
        first = res.data;
        this.accept(first);
      } catch (e) {
        // The server's own words where it sent some (an unknown site, another site's page).
        this.empty.textContent = (failed?.data.message || this.t.loadFailed) + ' ';
        this.empty.append(h('button', { type: 'button', class: 'button', text: this.t.retry, onclick: () => this.load() }));
        return;
      }
      this.open = first.open !== false;
      this.buildForm();
      this.render();
      // A link to one comment (#causerie-c12) lands on it once it exists.
      this.mark(true);
    }

    // The comment the page's fragment names stands out (and, with `go`, is scrolled
    // to): only among those loaded, as a reader following a link expects.
    mark(go) {
      for (const e of this.list.querySelectorAll('.causerie-is-target')) e.classList.remove('causerie-is-target');
      const li = /^#causerie-c\d+$/.test(location.hash) && document.getElementById(location.hash.slice(1));
      if (!li || !this.list.contains(li)) return;
      li.firstChild.classList.add('causerie-is-target');
      if (go) li.firstChild.scrollIntoView({ block: 'center' });
    }

    accept(data) {
      this.comments = this.comments.concat(data.comments || []);
      this.count = data.count || 0;
      this.cursor = data.more ? data.cursor : null;
    }

    async fetchMore() {
      this.more.disabled = true;
      try {
        const q = `/comments?${siteQuery}page=${encodeURIComponent(this.page)}&cursor=${encodeURIComponent(this.cursor)}`;
        const res = await this.api('GET', q);
        if (res.ok) this.accept(res.data);
      } catch (e) {
        // the button stays: the reader can try again
      }
      this.more.disabled = false;
      this.render();
    }

    // ---- rendering ----

    // Approved comments plus the reader's own held ones, as a tree.
    tree() {
      const pending = fresh('pending');
      const approved = new Set(this.comments.map((c) => c.id));
      // Once approved, the held copy is no longer needed.
      for (const id of Object.keys(pending)) if (approved.has(+id)) delete pending[id];
      store.set('pending', pending);
      const own = Object.values(pending)
        .filter((p) => p.page === this.spot)
        .map((p) => ({ ...p.comment, pending: true }));
      const all = this.comments.concat(own).sort((a, b) => a.id - b.id);
      const nodes = new Map(all.map((c) => [c.id, { c, kids: [] }]));
      const roots = [];
      // A reply whose parent is not shown (held, removed) is shown at the top level.
      for (const n of nodes.values()) (nodes.get(n.c.parent)?.kids || roots).push(n);
      return roots;
    }

    render() {
      const t = this.t;
      this.tokens = fresh('tokens');
      const roots = this.tree();
      this.heading.textContent = this.count ? fill(t.count[this.plural.select(this.count)] || t.count.other, { n: this.count }) : t.title;
      this.empty.textContent = t.none;
      this.empty.hidden = roots.length > 0;
      this.list.replaceChildren(...roots.map((n) => this.renderNode(n)));
      this.mark();
      this.more.hidden = !this.cursor;
      this.more.textContent = t.more;
      this.placeForm();
      // Edit buttons go away when the window closes, without a reload.
      clearTimeout(this.expiry);
      const next = Math.min(...Object.values(this.tokens).map((k) => k.until));
      if (next < Infinity) this.expiry = setTimeout(() => this.render(), Math.min(next - Date.now() + 500, 2 ** 31 - 1));
    }

    renderNode({ c, kids }) {
      const li = h('li', { class: 'comment', id: 'causerie-c' + c.id }, [this.card(c)]);
      if (kids.length) li.append(h('ol', { class: 'replies' }, kids.map((k) => this.renderNode(k))));
      return li;
    }

    ownKey(c) {
      const k = this.tokens[c.id];
      return k && k.page === this.spot && k.until > Date.now() ? k : null;
    }

    card(c) {
      const t = this.t;
      // What is left of a comment its author erased, kept for the replies under it.
      if (c.deleted) return h('article', { class: 'card is-gone' }, h('p', { class: 'main', text: t.gone }));
      const own = this.ownKey(c);
      const name = { name: c.author };
      const author = isWebUrl(c.website)
        ? h('a', { class: 'author', href: c.website, rel: 'nofollow ugc noopener' }, c.author)
        : h('span', { class: 'author' }, c.author);
      const when = new Date(c.created_at);
      const meta = h('div', { class: 'meta' }, [
        author,
        c.moderator && h('span', { class: 'badge', text: t.moderator }),
        h('a', { class: 'date', href: '#causerie-c' + c.id }, this.time(when)),
        c.edited_at && h('span', { class: 'edited', title: this.exact.format(new Date(c.edited_at)), text: `(${t.edited})` }),
        c.pending && h('span', { class: 'pending', text: t.pending }),
      ]);
      const body = h('div', { class: 'body' });
      // Sanitized by the server (SPEC section 3): safe as HTML.
      body.innerHTML = c.body;
      const button = (text, onclick, label, more) =>
        h('button', { type: 'button', class: 'action', text, onclick, 'aria-label': label, ...more });
      const edit = own && button(t.edit, () => this.later('startEdit', c, body, actions, edit));
      const del = own && button(t.del, () => this.later('confirmDelete', c, actions, del));
      // A held comment has no address to share yet, and one's own is not reported.
      const shown = !c.pending;
      const report =
        shown && !own && button(t.report, () => this.later('report', c, report, actions), fill(t.reportOn, name), { 'aria-expanded': 'false' });
      const actions = h('div', { class: 'actions' }, [
        this.open && button(t.reply, (e) => this.startReply(c, e.currentTarget), fill(t.replyTo, name)),
        edit,
        del,
        shown && button(t.link, (e) => this.copyLink(c, e.currentTarget), fill(t.linkTo, name)),
        report,
      ]);
      const cls = 'card' + (c.pending ? ' is-pending' : '') + (own ? ' is-own' : '');
      return h('article', { class: cls, tabindex: '-1', 'aria-label': c.author }, [
        isWebUrl(c.avatar) && h('img', { class: 'avatar', src: c.avatar, alt: '', width: 44, height: 44, loading: 'lazy' }),
        h('div', { class: 'main' }, [meta, body, actions]),
      ]);
    }

    // The comment's own address, to share: copied, or else put in the address bar.
    // The live region tells screen readers; the button, for a moment, everyone else.
    async copyLink(c, button) {
      const hash = '#causerie-c' + c.id;
      try {
        await navigator.clipboard.writeText(location.href.split('#')[0] + hash);
        this.status.textContent = button.textContent = this.t.copied;
        setTimeout(() => (button.textContent = this.t.link), 3000);
      } catch (e) {
        // No clipboard (an insecure page, a refused permission).
        location.hash = hash;
        this.status.textContent = this.t.inBar;
      }
    }

    // Runs extra.js's method `name`, fetching the file the first time.
    async later(name, ...args) {
      try {
        await (extra ||= import(base + '/embed-extra.js?v=__CAUSERIE_EXTRA_VERSION__').then((m) =>
          m.default(Thread.prototype, { h, fill, store, fresh, site, STRINGS })
        ));
      } catch (e) {
        // Offline: the next press tries again.
        extra = null;
        this.status.textContent = this.t.network;
        return;
      }
      this[name](...args);
    }

    time(date) {
      return h('time', { datetime: date.toISOString(), title: this.exact.format(date), text: this.ago(date) });
    }

    ago(date) {
      const s = (date - Date.now()) / 1000;
      const units = [['year', 31536e3], ['month', 2592e3], ['week', 604800], ['day', 86400], ['hour', 3600], ['minute', 60]];
      for (const [unit, n] of units) if (Math.abs(s) >= n) return this.rel.format(Math.round(s / n), unit);
      return this.t.justNow;
    }

    refreshDates() {
      for (const el of this.list.querySelectorAll('time')) el.textContent = this.ago(new Date(el.dateTime));
    }

    // ---- the form ----

    buildForm() {
      const t = this.t;
      if (!this.open) {
        this.respond.replaceChildren(h('p', { class: 'notice', text: t.closed }), this.status);
        return;
      }
      const c = this.config;
      const help = c.whitelist_help?.[this.lang] || '';
      const markup = c.whitelist_markup || '';
      const intro = help.endsWith(markup) ? help.slice(0, help.length - markup.length).trim() : help;
      this.fields = {};
      const field = (name, label, control, extra) => {
        const required = (c.required || []).includes(name);
        control.id = 'causerie-' + name;
        control.name = name;
        control.className = 'causerie-input';
        if (c.limits?.[name]) control.maxLength = c.limits[name];
        if (required) control.setAttribute('aria-required', 'true');
        const error = h('p', { class: 'field-error', id: `causerie-${name}-error`, hidden: true });
        this.fields[name] = { control, error };
        return h('div', { class: 'field field-' + name }, [
          h('label', { class: 'label', for: control.id }, [label, required && h('span', { class: 'req', 'aria-hidden': 'true', text: ' *' })]),
          control,
          error,
          extra,
        ]);
      };
      const input = (type, autocomplete) => h('input', { type, autocomplete, spellcheck: type === 'text' ? null : 'false' });
      const identity = store.get('identity', null);
      this.alert = h('p', { class: 'alert', role: 'alert' });
      this.notify = h('input', { type: 'checkbox', id: 'causerie-notify', name: 'notify_replies' });
      this.remember = h('input', {
        type: 'checkbox',
        id: 'causerie-remember',
        checked: !!identity,
        // Unticking forgets at once: nothing stays on the device against the reader's wish.
        onchange: () => this.remember.checked || store.set('identity', null),
      });
      // A field people never see nor reach, which form-filling bots fill: the server
      // keeps what comes with it as spam.
      this.trap = c.honeypot && h('input', { type: 'text', name: c.honeypot, tabindex: '-1', autocomplete: 'off' });
      this.submit = h('button', { type: 'submit', class: 'button submit', text: t.submit });
      this.cancel = h('button', {
        type: 'button',
        class: 'action cancel',
        hidden: true,
        text: t.cancelReply,
        onclick: () => this.cancelReply(),
      });
      this.formTitle = h('h3', { class: 'respond-title', id: 'causerie-respond-title', text: t.leave });
      this.form = h(
        'form',
        { class: 'form', novalidate: true, 'aria-labelledby': 'causerie-respond-title', onsubmit: (e) => this.post(e) },
        [
          h('p', { class: 'hint' }, [
            t.privacy + ' ',
            // Where a reader asks for what they wrote, or has it erased (a server page).
            h('a', { href: `${base}/my-data?site=${encodeURIComponent(c.site?.id || site || '')}`, text: t.myData }),
            '. ' + t.requiredNote + ' ',
            h('span', { class: 'req', text: '*' }),
          ]),
          field('body', t.comment, h('textarea', { rows: 6 }), help && h('p', { class: 'help' }, [intro + ' ', h('code', { text: markup })])),
          h('div', { class: 'identity' }, [
            field('author', t.name, input('text', 'name')),
            field('email', t.email, input('email', 'email')),
            field('website', t.website, input('url', 'url')),
          ]),
          h('p', { class: 'check' }, [this.notify, h('label', { for: 'causerie-notify', text: t.notify })]),
          h('p', { class: 'check' }, [this.remember, h('label', { for: 'causerie-remember', text: t.remember })]),
          this.trap && h('div', { class: 'trap', 'aria-hidden': 'true' }, this.trap),
          this.alert,
          h('p', { class: 'submit-row' }, [this.submit]),
        ]
      );
      if (identity) for (const k of ['author', 'email', 'website']) this.fields[k].control.value = identity[k] || '';
      this.respond.replaceChildren(h('div', { class: 'respond-head' }, [this.formTitle, this.cancel]), this.status, this.form);
      this.respond.addEventListener('keydown', (e) => {
        if (e.key === 'Escape' && this.replyTo) this.cancelReply();
      });
    }

    // The form lives at the bottom, or under the comment it answers.
    placeForm() {
      const li = this.replyTo && document.getElementById('causerie-c' + this.replyTo.c.id);
      if (this.replyTo && !li) this.replyTo = null;
      if (li) li.querySelector('.causerie-card').after(this.respond);
      else this.list.parentNode.append(this.respond);
      if (!this.form) return;
      this.formTitle.textContent = this.replyTo ? fill(this.t.replyTo, { name: this.replyTo.c.author }) : this.t.leave;
      this.cancel.hidden = !this.replyTo;
      this.respond.classList.toggle('causerie-is-reply', !!this.replyTo);
    }

    startReply(c, button) {
      this.replyTo = { c, button };
      this.placeForm();
      this.fields.body.control.focus();
    }

    cancelReply() {
      const back = this.replyTo?.button;
      this.replyTo = null;
      this.placeForm();
      if (back?.isConnected) back.focus();
    }

    setBusy(busy) {
      this.submit.disabled = busy;
      this.submit.textContent = busy ? this.t.sending : this.t.submit;
      this.form.setAttribute('aria-busy', busy);
      this.form.classList.toggle('causerie-is-busy', busy);
    }

    // Shows each field's error next to it, tied to it for screen readers.
    showErrors(fields) {
      let first = null;
      for (const [name, { control, error }] of Object.entries(this.fields)) {
        const msg = fields && fields[name];
        error.textContent = msg || '';
        error.hidden = !msg;
        if (msg) {
          control.setAttribute('aria-invalid', 'true');
          control.setAttribute('aria-describedby', error.id);
          first = first || control;
        } else {
          control.removeAttribute('aria-invalid');
          control.removeAttribute('aria-describedby');
        }
      }
      return first;
    }

    // A message for a failed request: the server's own words when it sent some.
    failure(res) {
      return res?.data.message || (res ? this.t.server : this.t.network);
    }

    async post(e) {
      e.preventDefault();
      if (this.submit.disabled) return;
      const value = (k) => this.fields[k].control.value;
      const body = {
        site,
        page: this.page,
        title: this.title,
        parent: this.replyTo ? this.replyTo.c.id : null,
        author: value('author'),
        email: value('email'),
        website: value('website').trim() || null,
        body: value('body'),
        notify_replies: this.notify.checked,
        // Signed by the server with the time the form appeared: too quick a post is a bot's.
        form_token: this.config.form_token,
      };
      if (this.trap) body[this.config.honeypot] = this.trap.value;
      this.alert.textContent = '';
      this.status.textContent = '';
      this.setBusy(true);
      let res = null;
      try {
        res = await this.api('POST', '/comments', body);
      } catch (err) {
        // res stays null: the network failed
      }
      this.setBusy(false);
      if (!res || !res.ok) {
        // A form open over a day gets a fresh token with its refusal: sending again works.
        if (res?.data.form_token) this.config.form_token = res.data.form_token;
        const first = this.showErrors(res && res.data.fields);
        this.alert.textContent = this.failure(res);
        (first || this.submit).focus();
        return;
      }
      this.showErrors(null);
      this.posted(res.data, body);
    }

    posted(data, sent) {
      const c = data.comment;
      const until = Date.parse(data.editable_until);
      const tokens = fresh('tokens');
      tokens[c.id] = { token: data.edit_token, until, page: this.spot, text: sent.body };
      store.set('tokens', tokens);
      if (data.status === 'approved') {
        this.comments.push(c);
        this.count += 1;
      } else {
        const pending = fresh('pending');
        pending[c.id] = { page: this.spot, comment: c, until: Date.now() + PENDING_DAYS * 864e5 };
        store.set('pending', pending);
      }
      if (this.remember.checked) store.set('identity', { author: sent.author, email: sent.email, website: sent.website || '' });
      this.fields.body.control.value = '';
      this.notify.checked = false;
      this.replyTo = null;
      this.render();
      const when = this.clock.format(new Date(until));
      this.status.textContent = (data.status === 'approved' ? this.t.posted : this.t.held) + ' ' + fill(this.t.canEdit, { time: when });
      this.focusComment(c.id);
    }

    focusComment(id) {
      const card = document.querySelector(`#causerie-c${id} > .causerie-card`);
      if (card) card.focus();
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
