/*! Causerie embed, what few readers need: editing, deleting, reporting. AGPL-3.0-or-later */
// Loaded by embed.js with import() the first time a reader presses Edit, Delete or
// Report, so that the first load stays small (SPEC section 15: 10,000 bytes gzipped).
// It adds its methods to embed.js's Thread and its sentences to embed.js's tables;
// the same rules hold: plain JavaScript, text from readers always goes in as text.

// The sentences of this file, one table per language, as in embed.js (whose tables
// they join: a language has to be in both).
const STRINGS = {
  en: {
    editLabel: 'Edit your comment',
    save: 'Save',
    cancel: 'Cancel',
    confirmDelete: 'Delete this comment for good?',
    confirmYes: 'Yes, delete',
    updated: 'Your comment was updated.',
    removed: 'Your comment was deleted.',
    reportWhy: 'Why are you reporting this comment?',
    reasons: ['Spam', 'Abuse or harassment', 'Illegal content', 'Other'],
    reportDetail: 'Details (optional)',
    reportEmail: 'Your email, to hear the decision (optional)',
    reportSend: 'Send report',
    noReason: 'Please choose a reason.',
    reported: 'Thank you: your report was received.',
  },
  fr: {
    editLabel: 'Modifier votre commentaire',
    save: 'Enregistrer',
    cancel: 'Annuler',
    confirmDelete: 'Supprimer définitivement ce commentaire ?',
    confirmYes: 'Oui, supprimer',
    updated: 'Votre commentaire a été modifié.',
    removed: 'Votre commentaire a été supprimé.',
    reportWhy: 'Pourquoi signalez-vous ce commentaire ?',
    reasons: ['Indésirable (spam)', 'Abus ou harcèlement', 'Contenu illicite', 'Autre'],
    reportDetail: 'Précisions (facultatif)',
    reportEmail: 'Votre adresse de messagerie, pour connaître la décision (facultatif)',
    reportSend: 'Envoyer le signalement',
    noReason: 'Veuillez choisir un motif.',
    reported: 'Merci : votre signalement a bien été reçu.',
  },
};

// The API's reasons, in the order of `reasons` above.
const REASONS = ['spam', 'abuse', 'illegal', 'other'];

// `proto` is the prototype of embed.js's Thread, which gains the methods below; the
// rest are embed.js's helpers and its tables of sentences, which gain this file's.
export default function install(proto, { h, fill, store, fresh, site, STRINGS: tables }) {
  for (const lang of Object.keys(tables)) Object.assign(tables[lang], STRINGS[lang]);

  Object.assign(proto, {
    // ---- reporting a comment ----

    // Opens the report form under the comment's buttons; `button` is its Report
    // button, where focus goes back when the form closes.
    report(c, button, actions) {
      const t = this.t;
      if (button.box?.isConnected && button.box.tagName === 'FORM') {
        button.box.querySelector('input').focus();
        return;
      }
      button.box?.remove();
      const id = 'causerie-r' + c.id;
      const radios = REASONS.map((value) => h('input', { type: 'radio', name: id, value, id: `${id}-${value}` }));
      const detail = h('textarea', { class: 'input', id: id + '-detail', rows: 3, maxlength: 1000 });
      const email = h('input', { class: 'input', id: id + '-email', type: 'email', autocomplete: 'email', spellcheck: 'false' });
      const errors = {};
      const error = (name) => (errors[name] = h('p', { class: 'field-error', id: `${id}-${name}-error`, hidden: true }));
      // A radio group with the group's own role, which may be marked invalid and required.
      const group = h(
        'fieldset',
        { class: 'field', role: 'radiogroup', 'aria-labelledby': id + '-why', 'aria-required': 'true' },
        [
          h('legend', { class: 'label', id: id + '-why' }, [t.reportWhy, h('span', { class: 'req', 'aria-hidden': 'true', text: ' *' })]),
          ...radios.map((r, i) => h('p', { class: 'check' }, [r, h('label', { for: r.id, text: t.reasons[i] })])),
          error('reason'),
        ]
      );
      // Each field: the control marked invalid, then those its error describes too.
      const fields = { reason: [group, ...radios], detail: [detail], email: [email] };
      const alert = h('p', { class: 'alert', role: 'alert' });
      const send = h('button', { type: 'submit', class: 'button', text: t.reportSend });
      const close = () => {
        form.remove();
        button.setAttribute('aria-expanded', 'false');
        button.focus();
      };
      // Shows each field's error, or none; gives back what to focus: the first field
      // at fault (the first radio of the group), or null.
      const show = (msgs) => {
        let first = null;
        for (const [name, [control, ...more]] of Object.entries(fields)) {
          const msg = msgs?.[name];
          errors[name].textContent = msg || '';
          errors[name].hidden = !msg;
          for (const e of [control, ...more]) {
            if (msg) e.setAttribute('aria-describedby', errors[name].id);
            else e.removeAttribute('aria-describedby');
          }
          if (msg) control.setAttribute('aria-invalid', 'true');
          else control.removeAttribute('aria-invalid');
          first ||= msg && (more[0] || control);
        }
        return first;
      };
      const submit = async (e) => {
        e.preventDefault();
        if (send.disabled) return;
        alert.textContent = '';
        const reason = radios.find((r) => r.checked)?.value;
        // The one rule the embed knows: the server checks the rest, in the reader's language.
        if (!reason) return show({ reason: t.noReason }).focus();
        send.disabled = true;
        let res = null;
        try {
          res = await this.api('POST', `/comments/${c.id}/report`, {
            reason,
            detail: detail.value.trim() || undefined,
            email: email.value.trim() || undefined,
            site,
          });
        } catch (err) {
          // res stays null: the network failed
        }
        send.disabled = false;
        if (!res || !res.ok) {
          const first = show(res?.data.fields);
          alert.textContent = this.failure(res);
          (first || send).focus();
          return;
        }
        // The answer takes the form's place; filled a moment after it is in the page,
        // so that screen readers announce it.
        const done = h('p', { class: 'status', role: 'status' });
        form.replaceWith(done);
        button.box = done;
        button.setAttribute('aria-expanded', 'false');
        button.focus();
        setTimeout(() => (done.textContent = res.data.message || t.reported), 100);
      };
      const form = h(
        'form',
        {
          class: 'report',
          id,
          novalidate: true,
          'aria-label': fill(t.reportOn, { name: c.author }),
          onsubmit: submit,
          onkeydown: (e) => {
            if (e.key !== 'Escape') return;
            e.stopPropagation();
            close();
          },
        },
        [
          group,
          h('div', { class: 'field' }, [h('label', { class: 'label', for: detail.id, text: t.reportDetail }), detail, error('detail')]),
          h('div', { class: 'field' }, [h('label', { class: 'label', for: email.id, text: t.reportEmail }), email, error('email')]),
          alert,
          h('p', { class: 'submit-row' }, [send, ' ', h('button', { type: 'button', class: 'action', text: t.cancel, onclick: close })]),
        ]
      );
      button.box = form;
      button.setAttribute('aria-expanded', 'true');
      actions.after(form);
      radios[0].focus();
    },

    // ---- editing and removing one's own comment ----

    startEdit(c, body, actions, editButton) {
      const t = this.t;
      const key = this.tokens[c.id];
      const area = h('textarea', {
        class: 'input',
        id: 'causerie-edit-' + c.id,
        rows: 5,
        'aria-describedby': `causerie-edit-${c.id}-error`,
      });
      // The API gives back HTML only: the reader's own typed text is kept with the token.
      area.value = key.text != null ? key.text : body.textContent;
      const error = h('p', { class: 'field-error', id: `causerie-edit-${c.id}-error`, role: 'alert' });
      // Cancelling puts the comment back and focus on its Edit button.
      const restore = () => {
        form.replaceWith(body);
        actions.hidden = false;
        editButton.focus();
      };
      const form = h(
        'form',
        {
          class: 'edit',
          novalidate: true,
          onsubmit: (e) => {
            e.preventDefault();
            this.saveEdit(c, area, error, save);
          },
          onkeydown: (e) => {
            if (e.key !== 'Escape') return;
            e.stopPropagation();
            restore();
          },
        },
        [
          h('label', { class: 'label', for: area.id, text: t.editLabel }),
          area,
          error,
          h('p', { class: 'submit-row' }, [
            h('button', { type: 'submit', class: 'button', text: t.save }),
            ' ',
            h('button', {
              type: 'button',
              class: 'action',
              text: t.cancel,
              onclick: restore,
            }),
          ]),
        ]
      );
      const save = form.querySelector('[type=submit]');
      body.replaceWith(form);
      actions.hidden = true;
      area.focus();
    },

    async saveEdit(c, area, error, button) {
      const key = this.tokens[c.id];
      button.disabled = true;
      error.textContent = '';
      let res = null;
      try {
        res = await this.api('PUT', '/comments/' + c.id, { body: area.value }, key?.token);
      } catch (e) {
        // network failure: res stays null
      }
      button.disabled = false;
      if (!res || !res.ok) {
        const fields = res && res.data.fields;
        error.textContent = fields?.body || this.failure(res);
        area.setAttribute('aria-invalid', 'true');
        // The window closed, or the token was refused: forget it.
        if (res && res.status === 403) this.forget(c.id);
        area.focus();
        return;
      }
      key.text = area.value;
      const tokens = fresh('tokens');
      if (tokens[c.id]) tokens[c.id].text = area.value;
      store.set('tokens', tokens);
      this.replace(c.id, res.data.comment);
      this.render();
      this.status.textContent = this.t.updated;
      this.focusComment(c.id);
    },

    confirmDelete(c, actions, delButton) {
      const t = this.t;
      const error = h('span', { class: 'field-error', role: 'alert' });
      const yes = h('button', { type: 'button', class: 'button danger', text: t.confirmYes, onclick: () => this.remove(c, yes, error) });
      const no = h('button', {
        type: 'button',
        class: 'action',
        text: t.cancel,
        onclick: () => {
          box.replaceWith(actions);
          delButton.focus();
        },
      });
      const box = h('div', { class: 'confirm', role: 'group', 'aria-label': t.confirmDelete }, [
        h('span', { text: t.confirmDelete }),
        ' ',
        yes,
        ' ',
        no,
        error,
      ]);
      actions.replaceWith(box);
      yes.focus();
    },

    async remove(c, button, error) {
      const key = this.tokens[c.id];
      button.disabled = true;
      let res = null;
      try {
        res = await this.api('DELETE', '/comments/' + c.id, null, key?.token);
      } catch (e) {
        // network failure
      }
      button.disabled = false;
      if (!res || (!res.ok && res.status !== 404)) {
        error.textContent = ' ' + this.failure(res);
        return;
      }
      if (this.comments.some((x) => x.id === c.id)) this.count -= 1;
      this.comments = this.comments.filter((x) => x.id !== c.id);
      this.forget(c.id);
      this.render();
      this.status.textContent = this.t.removed;
      this.heading.focus();
    },

    // Forgets the token and any held copy of a comment.
    forget(id) {
      for (const k of ['tokens', 'pending']) {
        const all = fresh(k);
        delete all[id];
        store.set(k, all);
      }
    },

    replace(id, comment) {
      this.comments = this.comments.map((x) => (x.id === id ? comment : x));
      const pending = fresh('pending');
      if (pending[id]) {
        pending[id].comment = comment;
        store.set('pending', pending);
      }
    },
  });
}
