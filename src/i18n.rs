//! The reader's language and every sentence Causerie says to a reader, in one table,
//! so that adding a language is adding one column.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// `fr`, `fr-CA`, `FR` → French; anything we do not speak → `None`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// Picks the best language of an `Accept-Language` header by its q-values,
    /// `fallback` when the reader accepts none of ours.
    pub fn negotiate(header: Option<&str>, fallback: Lang) -> Lang {
        let Some(header) = header else {
            return fallback;
        };
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("");
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            if let Some(lang) = Lang::from_tag(tag) {
                if best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, lang));
                }
            }
        }
        best.map_or(fallback, |(_, l)| l)
    }
}

/// Everything said to a reader. `text` renders it in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    Required,
    TooLong {
        max: usize,
    },
    InvalidEmail,
    InvalidWebsite,
    InvalidPage,
    InvalidParent,
    WrongType,
    Flood {
        secs: i64,
    },
    TooManyComments {
        minutes: i64,
    },
    TooManyPages {
        max: usize,
    },
    InvalidLimit,
    InvalidCursor,
    InvalidToken,
    UnknownComment,
    UnknownParent,
    ThreadClosed,
    OriginNotAllowed,
    /// The request names a site this instance does not serve.
    UnknownSite {
        site: String,
    },
    /// A page of one site asked for another site's threads.
    SiteMismatch,
    TokenMissing,
    TokenWrong,
    EditWindowClosed,
    Duplicate,
    BodyTooLarge,
    BodyTooSlow,
    MalformedJson {
        detail: String,
    },
    WrongContentType,
    NotFound,
    Internal,
    Unavailable,
    NoRoom,
    FormExpired,
    FormInvalid,
    CheckFields,
    Pending,
    Posted,
    /// A report's reason is none of `spam`, `abuse`, `illegal`, `other`.
    InvalidReason,
    TooManyReports {
        minutes: i64,
    },
    TooManyDataRequests {
        minutes: i64,
    },
    ReportReceived,
    DataRequested,
}

impl Msg {
    pub fn text(&self, lang: Lang) -> String {
        use Lang::*;
        use Msg::*;
        let s: &str = match (self, lang) {
            (Required, En) => "This field is required.",
            (Required, Fr) => "Ce champ est obligatoire.",
            (TooLong { max }, En) => return format!("This is too long: at most {max} bytes."),
            (TooLong { max }, Fr) => return format!("C’est trop long : {max} octets au plus."),
            (InvalidEmail, En) => "Please enter a valid email address.",
            (InvalidEmail, Fr) => "Veuillez saisir une adresse de messagerie valide.",
            (InvalidWebsite, En) => {
                "Please enter a full web address starting with http:// or https://."
            }
            (InvalidWebsite, Fr) => {
                "Veuillez saisir une adresse web complète, commençant par http:// ou https://."
            }
            (InvalidPage, En) => {
                "The page must be a URL path starting with / (at most 1024 bytes, no control characters)."
            }
            (InvalidPage, Fr) => {
                "La page doit être un chemin d’URL commençant par / (1024 octets au plus, sans caractère de contrôle)."
            }
            (InvalidParent, En) => "The comment replied to must be a comment number.",
            (InvalidParent, Fr) => "Le commentaire auquel vous répondez doit être un numéro de commentaire.",
            (Flood { secs }, En) => {
                return format!("You are posting comments too quickly. Please wait {secs} seconds.")
            }
            (Flood { secs }, Fr) => {
                return format!("Vous envoyez des commentaires trop vite. Veuillez attendre {secs} secondes.")
            }
            (TooManyComments { minutes }, En) => {
                return format!(
                    "You have posted many comments recently. Please try again in {minutes} minutes."
                )
            }
            (TooManyComments { minutes }, Fr) => {
                return format!(
                    "Vous avez envoyé beaucoup de commentaires récemment. Veuillez réessayer dans {minutes} minutes."
                )
            }
            (WrongType, En) => "This field has the wrong type (text, number or true/false expected).",
            (WrongType, Fr) => "Ce champ n’est pas du bon type (texte, nombre ou vrai/faux attendu).",
            (TooManyPages { max }, En) => return format!("Ask for at most {max} pages at once."),
            (TooManyPages { max }, Fr) => return format!("Demandez {max} pages au plus à la fois."),
            (InvalidLimit, En) => "The limit must be a number from 1 to 500.",
            (InvalidLimit, Fr) => "La limite doit être un nombre de 1 à 500.",
            (InvalidCursor, En) => "This cursor is not one Causerie gave out.",
            (InvalidCursor, Fr) => "Ce curseur n’a pas été donné par Causerie.",
            (InvalidToken, En) | (TokenWrong, En) => {
                "This edit key is not valid for this comment."
            }
            (InvalidToken, Fr) | (TokenWrong, Fr) => {
                "Cette clé de modification n’est pas valable pour ce commentaire."
            }
            (UnknownComment, En) => "There is no such comment.",
            (UnknownComment, Fr) => "Ce commentaire n’existe pas.",
            (UnknownParent, En) => "The comment you are replying to does not exist.",
            (UnknownParent, Fr) => "Le commentaire auquel vous répondez n’existe pas.",
            (ThreadClosed, En) => "Comments are closed on this page.",
            (ThreadClosed, Fr) => "Les commentaires sont fermés sur cette page.",
            (OriginNotAllowed, En) => "This site is not allowed to send comments here.",
            (OriginNotAllowed, Fr) => "Ce site n’est pas autorisé à envoyer des commentaires ici.",
            (UnknownSite { site }, En) => {
                return format!("There is no site “{site}” on this comment server.")
            }
            (UnknownSite { site }, Fr) => {
                return format!("Il n’y a pas de site « {site} » sur ce serveur de commentaires.")
            }
            (SiteMismatch, En) => "A page of one site cannot show or send the comments of another.",
            (SiteMismatch, Fr) => {
                "Une page d’un site ne peut ni montrer ni envoyer les commentaires d’un autre."
            }
            (TokenMissing, En) => "Editing a comment needs its edit key (Authorization: Bearer …).",
            (TokenMissing, Fr) => {
                "Modifier un commentaire demande sa clé de modification (Authorization: Bearer …)."
            }
            (EditWindowClosed, En) => "The time to edit or remove this comment has passed.",
            (EditWindowClosed, Fr) => {
                "Le délai pour modifier ou retirer ce commentaire est passé."
            }
            (Duplicate, En) => "You have already posted this comment.",
            (Duplicate, Fr) => "Vous avez déjà envoyé ce commentaire.",
            (BodyTooLarge, En) => "The request is too large (at most 128 KiB).",
            (BodyTooLarge, Fr) => "La requête est trop grande (128 Kio au plus).",
            (BodyTooSlow, En) => "The request arrived too slowly; send it again.",
            (BodyTooSlow, Fr) => "La requête est arrivée trop lentement ; envoyez-la de nouveau.",
            (MalformedJson { detail }, En) => return format!("The request is not valid JSON: {detail}"),
            (MalformedJson { detail }, Fr) => {
                return format!("La requête n’est pas du JSON valide : {detail}")
            }
            (WrongContentType, En) => "Send the request as application/json.",
            (WrongContentType, Fr) => "Envoyez la requête en application/json.",
            (NotFound, En) => "Nothing here.",
            (NotFound, Fr) => "Rien ici.",
            (Internal, En) => "Something went wrong on our side; nothing you sent was lost, please try again.",
            (Internal, Fr) => {
                "Une erreur s’est produite de notre côté ; rien de ce que vous avez envoyé n’est perdu, veuillez réessayer."
            }
            (Unavailable, En) => "The server is busy; please try again in a moment.",
            (Unavailable, Fr) => "Le serveur est occupé ; veuillez réessayer dans un instant.",
            (NoRoom, En) => {
                "The server has no room left to store comments right now; nothing was saved, please try again later."
            }
            (NoRoom, Fr) => {
                "Le serveur n’a plus de place pour enregistrer les commentaires ; rien n’a été enregistré, veuillez réessayer plus tard."
            }
            (FormExpired, En) => "This form is too old; please send it again.",
            (FormExpired, Fr) => "Ce formulaire est trop ancien ; veuillez l’envoyer de nouveau.",
            (FormInvalid, En) => "This form was not issued by this site; please send it again.",
            (FormInvalid, Fr) => {
                "Ce formulaire ne vient pas de ce site ; veuillez l’envoyer de nouveau."
            }
            (CheckFields, En) => "Please check the fields marked below.",
            (CheckFields, Fr) => "Veuillez vérifier les champs indiqués ci-dessous.",
            (Pending, En) => "Your comment is awaiting moderation.",
            (Pending, Fr) => "Votre commentaire est en attente de modération.",
            (Posted, En) => "Your comment is published.",
            (Posted, Fr) => "Votre commentaire est publié.",
            (InvalidReason, En) => "Choose a reason: spam, abuse, illegal or other.",
            (InvalidReason, Fr) => "Choisissez une raison : spam, abuse, illegal ou other.",
            (TooManyReports { minutes }, En) => {
                return format!("You have sent many reports recently. Please try again in {minutes} minutes.")
            }
            (TooManyReports { minutes }, Fr) => {
                return format!("Vous avez envoyé beaucoup de signalements récemment. Veuillez réessayer dans {minutes} minutes.")
            }
            (TooManyDataRequests { minutes }, En) => {
                return format!("Too many requests for this address or network. Please try again in {minutes} minutes.")
            }
            (TooManyDataRequests { minutes }, Fr) => {
                return format!("Trop de demandes pour cette adresse ou ce réseau. Veuillez réessayer dans {minutes} minutes.")
            }
            (ReportReceived, En) => "Thank you: the moderators will look at this comment.",
            (ReportReceived, Fr) => "Merci : les modérateurs vont examiner ce commentaire.",
            (DataRequested, En) => {
                "If this address wrote comments on this site, an email with a link is on its way. The link works for 24 hours."
            }
            (DataRequested, Fr) => {
                "Si cette adresse a écrit des commentaires sur ce site, un message avec un lien est en route. Le lien marche pendant 24 heures."
            }
        };
        s.to_owned()
    }
}

/// Words of the form and the thread, for the server-rendered pages.
pub struct Words {
    pub leave_comment: &'static str,
    pub privacy: &'static str,
    pub required_note: &'static str,
    pub whitelist_intro: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub website: &'static str,
    pub comment: &'static str,
    pub notify: &'static str,
    pub submit: &'static str,
    pub reply: &'static str,
    pub reply_to: &'static str,
    pub cancel_reply: &'static str,
    pub no_comments: &'static str,
    pub comments_closed: &'static str,
    pub moderator: &'static str,
    pub comments: &'static str,
}

impl Words {
    pub fn of(lang: Lang) -> &'static Words {
        match lang {
            Lang::En => &EN,
            Lang::Fr => &FR,
        }
    }
}

static EN: Words = Words {
    leave_comment: "Leave a comment",
    privacy: "Your email address will not be published.",
    required_note: "Required fields are marked *",
    whitelist_intro: "You may use these HTML tags and attributes:",
    name: "Name",
    email: "Email",
    website: "Website",
    comment: "Comment",
    notify: "Notify me of replies by email",
    submit: "Post comment",
    reply: "Reply",
    reply_to: "Replying to comment",
    cancel_reply: "Cancel reply",
    no_comments: "No comments yet.",
    comments_closed: "Comments are closed.",
    moderator: "Moderator",
    comments: "Comments",
};

static FR: Words = Words {
    leave_comment: "Laisser un commentaire",
    privacy: "Votre adresse de messagerie ne sera pas publiée.",
    required_note: "Les champs obligatoires sont indiqués avec *",
    whitelist_intro: "Vous pouvez utiliser ces balises et attributs HTML :",
    name: "Nom",
    email: "Adresse de messagerie",
    website: "Site web",
    comment: "Commentaire",
    notify: "Me prévenir des réponses par e-mail",
    submit: "Laisser un commentaire",
    reply: "Répondre",
    reply_to: "Réponse au commentaire",
    cancel_reply: "Annuler la réponse",
    no_comments: "Pas encore de commentaire.",
    comments_closed: "Les commentaires sont fermés.",
    moderator: "Modérateur",
    comments: "Commentaires",
};

/// Words of the admin pages.
pub struct AdminWords {
    pub moderation: &'static str,
    pub log_in: &'static str,
    pub log_out: &'static str,
    pub name: &'static str,
    pub password: &'static str,
    pub wrong_credentials: &'static str,
    pub throttled: &'static str,
    pub session_expired: &'static str,
    pub signed_in_as: &'static str,
    pub pending: &'static str,
    pub approved: &'static str,
    pub spam: &'static str,
    pub deleted: &'static str,
    pub search: &'static str,
    pub search_placeholder: &'static str,
    pub page_filter: &'static str,
    pub filter: &'static str,
    pub clear: &'static str,
    pub nothing: &'static str,
    pub with_selected: &'static str,
    pub apply: &'static str,
    pub select: &'static str,
    pub approve: &'static str,
    pub unapprove: &'static str,
    pub mark_spam: &'static str,
    pub delete: &'static str,
    pub restore: &'static str,
    pub purge: &'static str,
    pub edit: &'static str,
    pub reply: &'static str,
    pub save: &'static str,
    pub publish_reply: &'static str,
    pub held_because: &'static str,
    pub on_page: &'static str,
    pub email: &'static str,
    pub website: &'static str,
    pub address: &'static str,
    pub comment: &'static str,
    pub thread_open: &'static str,
    pub thread_closed: &'static str,
    pub close_thread: &'static str,
    pub open_thread: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub done: &'static str,
    pub forged: &'static str,
    pub confirm_title: &'static str,
    pub confirm_button: &'static str,
    pub link_unknown: &'static str,
    pub link_used: &'static str,
    pub link_expired: &'static str,
    pub back_to_queue: &'static str,
    pub status: &'static str,
    pub not_found: &'static str,
    pub edit_title: &'static str,
    pub reply_title: &'static str,
    /// ": " in English, " : " in French typography.
    pub colon: &'static str,
    pub outbox: &'static str,
    pub reported_nav: &'static str,
    pub readers_data_nav: &'static str,
    pub queued: &'static str,
    pub sent: &'static str,
    pub failed: &'static str,
    pub withdrawn: &'static str,
    pub recipient: &'static str,
    pub subject: &'static str,
    pub message_text: &'static str,
    pub attempts: &'static str,
    pub last_error: &'static str,
    pub next_attempt: &'static str,
    pub written: &'static str,
    pub retry_now: &'static str,
    pub smtp_off: &'static str,
    pub no_messages: &'static str,
    /// The site filter of the queue, and the site of each comment.
    pub site: &'static str,
    pub all_sites: &'static str,
    /// A bulk action left out comments that are gone or on another site.
    pub skipped: &'static str,
    /// A one-click link opened in the session of a moderator of other sites.
    pub link_other_site: &'static str,
    /// The page filter view's form that moves the page's thread to another path
    /// (`moving::MovePageError::text` fills in the `{…}`).
    pub move_title: &'static str,
    pub move_from_label: &'static str,
    pub move_to_label: &'static str,
    pub move_merge: &'static str,
    pub move_button: &'static str,
    pub move_other_site: &'static str,
    pub move_same_page: &'static str,
    pub move_no_thread: &'static str,
    pub move_occupied: &'static str,
    /// A moderator limited to some sites, asking to move another site's page.
    pub move_not_your_site: &'static str,
    /// The page filter view's form that renames the page's thread.
    pub rename_label: &'static str,
    pub rename_button: &'static str,
    /// Said when a moderator named the thread (requests no longer change it).
    pub title_locked: &'static str,
    /// In the thread box of a thread that no published comment has named yet.
    pub no_public_title: &'static str,
    /// After a held comment's page title, where the thread has no public title.
    pub title_proposed: &'static str,
    pub rename_blank: &'static str,
    pub renamed: &'static str,
    /// After a move, on the new page's view.
    pub moved: &'static str,
    pub merged: &'static str,
    /// "{n} comments", and "{n} comment" for one (and for none, in French).
    pub comments_many: &'static str,
    pub comments_one: &'static str,
    pub zero_is_one: bool,
}

impl AdminWords {
    pub fn of(lang: Lang) -> &'static AdminWords {
        match lang {
            Lang::En => &ADMIN_EN,
            Lang::Fr => &ADMIN_FR,
        }
    }

    /// "3 comments", "1 comment".
    pub fn n_comments(&self, n: i64) -> String {
        let one = n == 1 || (n == 0 && self.zero_is_one);
        let words = if one {
            self.comments_one
        } else {
            self.comments_many
        };
        words.replace("{n}", &n.to_string())
    }
}

static ADMIN_EN: AdminWords = AdminWords {
    moderation: "Moderation",
    log_in: "Log in",
    log_out: "Log out",
    name: "Name",
    password: "Password",
    wrong_credentials: "Wrong name or password.",
    throttled: "Too many failed attempts. Please wait 15 minutes before trying again.",
    session_expired: "Please log in.",
    signed_in_as: "Signed in as",
    pending: "Pending",
    approved: "Approved",
    spam: "Spam",
    deleted: "Deleted",
    search: "Search",
    search_placeholder: "text, name or email",
    page_filter: "Page",
    filter: "Filter",
    clear: "Clear",
    nothing: "No comment here.",
    with_selected: "With the selected comments:",
    apply: "Apply",
    select: "Select comment",
    approve: "Approve",
    unapprove: "Unapprove",
    mark_spam: "Spam",
    delete: "Delete",
    restore: "Restore",
    purge: "Delete for ever",
    edit: "Edit",
    reply: "Reply",
    save: "Save",
    publish_reply: "Publish reply",
    held_because: "Held because",
    on_page: "on",
    email: "Email",
    website: "Website",
    address: "Address",
    comment: "Comment",
    thread_open: "Comments are open on this page.",
    thread_closed: "Comments are closed on this page.",
    close_thread: "Close comments",
    open_thread: "Open comments",
    previous: "Newer",
    next: "Older",
    done: "Done.",
    forged: "This form has expired or was not sent from this site; nothing was changed. Please try again.",
    confirm_title: "Confirm",
    confirm_button: "Confirm",
    link_unknown: "This link is not valid.",
    link_used: "This link has already been used: the comment was already moderated.",
    link_expired: "This link has expired. Moderate the comment from the queue.",
    back_to_queue: "Back to the queue",
    status: "Status",
    not_found: "There is no such comment.",
    edit_title: "Edit comment",
    reply_title: "Reply as moderator",
    colon: ": ",
    outbox: "Outbox",
    reported_nav: "Reported",
    readers_data_nav: "Readers’ data",
    queued: "Queued",
    sent: "Sent",
    failed: "Failed",
    withdrawn: "Withdrawn",
    recipient: "Recipient",
    subject: "Subject",
    message_text: "The message as sent",
    attempts: "Attempts",
    last_error: "Last error",
    next_attempt: "Next attempt",
    written: "Written",
    retry_now: "Retry now",
    smtp_off: "SMTP is not configured (smtp_url): messages are written to the log, not sent.",
    no_messages: "No message yet.",
    site: "Site",
    all_sites: "All sites",
    skipped: "Some of the selected comments were left unchanged: they no longer exist or are not on your sites.",
    link_other_site: "This link is about a comment of a site you do not moderate; nothing was changed.",
    move_title: "Move this page’s comments to another path",
    move_from_label: "This page",
    move_to_label: "New path",
    move_merge: "merge into the thread already there",
    move_button: "Move",
    move_other_site: "{page} is an address of the site {site}: a page’s comments move within its own site.",
    move_same_page: "{page} is already this page’s path.",
    move_no_thread: "{page} has no comments to move.",
    move_not_your_site: "This page is on a site you do not moderate; nothing was moved.",
    move_occupied: "{to} already has a thread of {comments}. To put the comments of {from} into it, tick “{merge}”.",
    rename_label: "Title",
    rename_button: "Rename",
    title_locked: "Named by a moderator: readers’ pages no longer change it.",
    no_public_title: "No public title yet: the page shows its path until a published comment gives one.",
    title_proposed: "title proposed by this comment",
    rename_blank: "A title cannot be blank; nothing was changed.",
    renamed: "Done: the page has its new title.",
    moved: "Done: the comments moved here, with their thread.",
    merged: "Done: the comments joined this page’s thread.",
    comments_many: "{n} comments",
    comments_one: "{n} comment",
    zero_is_one: false,
};

static ADMIN_FR: AdminWords = AdminWords {
    moderation: "Modération",
    log_in: "Se connecter",
    log_out: "Se déconnecter",
    name: "Nom",
    password: "Mot de passe",
    wrong_credentials: "Nom ou mot de passe incorrect.",
    throttled: "Trop d’essais infructueux. Veuillez attendre 15 minutes avant de réessayer.",
    session_expired: "Veuillez vous connecter.",
    signed_in_as: "Connecté en tant que",
    pending: "En attente",
    approved: "Approuvés",
    spam: "Indésirables",
    deleted: "Supprimés",
    search: "Rechercher",
    search_placeholder: "texte, nom ou adresse",
    page_filter: "Page",
    filter: "Filtrer",
    clear: "Effacer",
    nothing: "Aucun commentaire ici.",
    with_selected: "Pour les commentaires cochés :",
    apply: "Appliquer",
    select: "Choisir le commentaire",
    approve: "Approuver",
    unapprove: "Désapprouver",
    mark_spam: "Indésirable",
    delete: "Supprimer",
    restore: "Restaurer",
    purge: "Supprimer définitivement",
    edit: "Modifier",
    reply: "Répondre",
    save: "Enregistrer",
    publish_reply: "Publier la réponse",
    held_because: "Retenu car",
    on_page: "sur",
    email: "Adresse de messagerie",
    website: "Site web",
    address: "Adresse IP",
    comment: "Commentaire",
    thread_open: "Les commentaires sont ouverts sur cette page.",
    thread_closed: "Les commentaires sont fermés sur cette page.",
    close_thread: "Fermer les commentaires",
    open_thread: "Ouvrir les commentaires",
    previous: "Plus récents",
    next: "Plus anciens",
    done: "C’est fait.",
    forged: "Ce formulaire a expiré ou ne vient pas de ce site ; rien n’a été modifié. Veuillez réessayer.",
    confirm_title: "Confirmer",
    confirm_button: "Confirmer",
    link_unknown: "Ce lien n’est pas valable.",
    link_used: "Ce lien a déjà servi : le commentaire a déjà été modéré.",
    link_expired: "Ce lien a expiré. Modérez le commentaire depuis la file d’attente.",
    back_to_queue: "Retour à la file",
    status: "État",
    not_found: "Ce commentaire n’existe pas.",
    edit_title: "Modifier le commentaire",
    reply_title: "Répondre en tant que modérateur",
    colon: " : ",
    outbox: "Messages",
    reported_nav: "Signalés",
    readers_data_nav: "Données des lecteurs",
    queued: "À envoyer",
    sent: "Envoyés",
    failed: "Échecs",
    withdrawn: "Retirés",
    recipient: "Destinataire",
    subject: "Objet",
    message_text: "Le message tel qu’envoyé",
    attempts: "Essais",
    last_error: "Dernière erreur",
    next_attempt: "Prochain essai",
    written: "Écrit",
    retry_now: "Réessayer maintenant",
    smtp_off: "SMTP n’est pas configuré (smtp_url) : les messages sont écrits dans le journal, pas envoyés.",
    no_messages: "Aucun message pour l’instant.",
    site: "Site",
    all_sites: "Tous les sites",
    skipped: "Certains des commentaires choisis n’ont pas été modifiés : ils n’existent plus ou ne sont pas sur vos sites.",
    link_other_site: "Ce lien concerne un commentaire d’un site que vous ne modérez pas ; rien n’a été modifié.",
    move_title: "Déplacer les commentaires de cette page vers un autre chemin",
    move_from_label: "Cette page",
    move_to_label: "Nouveau chemin",
    move_merge: "fusionner avec la discussion déjà présente",
    move_button: "Déplacer",
    move_other_site: "{page} est une adresse du site {site} : les commentaires d’une page se déplacent au sein de son propre site.",
    move_same_page: "{page} est déjà le chemin de cette page.",
    move_no_thread: "La page {page} n’a pas de commentaire à déplacer.",
    move_not_your_site: "Cette page est sur un site que vous ne modérez pas ; rien n’a été déplacé.",
    move_occupied: "{to} a déjà une discussion de {comments}. Pour y verser les commentaires de {from}, cochez « {merge} ».",
    rename_label: "Titre",
    rename_button: "Renommer",
    title_locked: "Nommée par un modérateur : les pages des lecteurs ne le changent plus.",
    no_public_title: "Pas encore de titre public : la page montre son chemin jusqu’à ce qu’un commentaire publié en donne un.",
    title_proposed: "titre proposé par ce commentaire",
    rename_blank: "Un titre ne peut pas être vide ; rien n’a été modifié.",
    renamed: "C’est fait : la page a son nouveau titre.",
    moved: "C’est fait : les commentaires ont été déplacés ici, avec leur discussion.",
    merged: "C’est fait : les commentaires ont rejoint la discussion de cette page.",
    comments_many: "{n} commentaires",
    comments_one: "{n} commentaire",
    zero_is_one: true,
};

/// Words of the notification emails and of the unsubscribe page.
pub struct MailWords {
    pub subject_new: &'static str,
    pub subject_held: &'static str,
    pub subject_reply: &'static str,
    pub open_quote: &'static str,
    pub close_quote: &'static str,
    pub new_intro: &'static str,
    pub held_intro: &'static str,
    /// After a held comment's page title, while the thread has no public title.
    pub title_proposed: &'static str,
    pub author: &'static str,
    pub email: &'static str,
    pub website: &'static str,
    pub held_because: &'static str,
    pub approve: &'static str,
    pub spam: &'static str,
    pub delete: &'static str,
    pub links_note: &'static str,
    pub in_queue: &'static str,
    pub moderators_footer: &'static str,
    pub replied: &'static str,
    pub moderator: &'static str,
    pub your_comment: &'static str,
    pub read_reply: &'static str,
    pub why_you: &'static str,
    pub stop: &'static str,
    pub notifications: &'static str,
    pub unsubscribe_intro: &'static str,
    pub stop_thread: &'static str,
    pub stop_all: &'static str,
    pub done_thread: &'static str,
    pub done_all: &'static str,
    pub bad_link: &'static str,
    pub colon: &'static str,
}

impl MailWords {
    pub fn of(lang: Lang) -> &'static MailWords {
        match lang {
            Lang::En => &MAIL_EN,
            Lang::Fr => &MAIL_FR,
        }
    }
}

static MAIL_EN: MailWords = MailWords {
    subject_new: "New comment on",
    subject_held: "Comment awaiting moderation on",
    subject_reply: "New reply to your comment on",
    open_quote: "“",
    close_quote: "”",
    new_intro: "A new comment was published on",
    held_intro: "A new comment awaits your moderation on",
    title_proposed: "title proposed by this comment",
    author: "Author",
    email: "Email",
    website: "Website",
    held_because: "Held because",
    approve: "Approve",
    spam: "Spam",
    delete: "Delete",
    links_note: "Each link asks you to confirm, works once, and expires after a few days.",
    in_queue: "Or moderate it in the queue",
    moderators_footer: "Sent by Causerie to the moderators of this site.",
    replied: "replied to your comment on",
    moderator: "moderator",
    your_comment: "Your comment",
    read_reply: "Read the reply and answer it",
    why_you: "You get this email because you asked to be notified of replies to your comment.",
    stop: "Stop these emails",
    notifications: "Reply notifications",
    unsubscribe_intro: "You get an email when someone replies to your comment on",
    stop_thread: "Stop for this page",
    stop_all: "Stop every email from this site",
    done_thread: "Done: you will get no more email about replies on",
    done_all: "Done: you will get no more email from this site.",
    bad_link: "This unsubscribe link is not valid.",
    colon: ": ",
};

static MAIL_FR: MailWords = MailWords {
    subject_new: "Nouveau commentaire sur",
    subject_held: "Commentaire en attente de modération sur",
    subject_reply: "Nouvelle réponse à votre commentaire sur",
    open_quote: "« ",
    close_quote: " »",
    new_intro: "Un nouveau commentaire a été publié sur",
    held_intro: "Un nouveau commentaire attend votre modération sur",
    title_proposed: "titre proposé par ce commentaire",
    author: "Auteur",
    email: "Adresse de messagerie",
    website: "Site web",
    held_because: "Retenu car",
    approve: "Approuver",
    spam: "Indésirable",
    delete: "Supprimer",
    links_note: "Chaque lien demande confirmation, ne sert qu’une fois et expire après quelques jours.",
    in_queue: "Ou modérez-le depuis la file",
    moderators_footer: "Envoyé par Causerie aux modérateurs de ce site.",
    replied: "a répondu à votre commentaire sur",
    moderator: "modérateur",
    your_comment: "Votre commentaire",
    read_reply: "Lire la réponse et y répondre",
    why_you: "Vous recevez ce message car vous avez demandé à être prévenu des réponses à votre commentaire.",
    stop: "Ne plus recevoir ces messages",
    notifications: "Notifications de réponses",
    unsubscribe_intro: "Vous recevez un message quand quelqu’un répond à votre commentaire sur",
    stop_thread: "Arrêter pour cette page",
    stop_all: "Ne plus rien recevoir de ce site",
    done_thread: "C’est fait : vous ne recevrez plus de message pour les réponses sur",
    done_all: "C’est fait : vous ne recevrez plus aucun message de ce site.",
    bad_link: "Ce lien de désinscription n’est pas valable.",
    colon: " : ",
};

/// Why a comment was held or kept as spam (`domain::HoldReason::text` fills in the
/// `{…}`), for the admin pages in the moderator's language and the moderators'
/// emails in the site's. The English ones are the sentences stored before reasons
/// became codes.
pub struct ReasonWords {
    pub links: &'static str,
    pub moderation_word: &'static str,
    pub disallowed_word: &'static str,
    pub moderation_all: &'static str,
    pub first_time: &'static str,
    pub bot: &'static str,
    pub honeypot: &'static str,
    pub too_fast: &'static str,
    pub forged_token: &'static str,
    pub reported: &'static str,
}

impl ReasonWords {
    pub fn of(lang: Lang) -> &'static ReasonWords {
        match lang {
            Lang::En => &REASON_EN,
            Lang::Fr => &REASON_FR,
        }
    }
}

static REASON_EN: ReasonWords = ReasonWords {
    links: "{count} links (more than {limit})",
    moderation_word: "moderation word: {word}",
    disallowed_word: "disallowed word: {word}",
    moderation_all: "moderation: all",
    first_time: "first comment from this address",
    bot: "bot: {signal}",
    honeypot: "honeypot field filled",
    too_fast: "posted {seconds} s after the form appeared",
    forged_token: "form token forged",
    reported: "reported by readers from {count} networks",
};

static REASON_FR: ReasonWords = ReasonWords {
    links: "{count} liens (plus de {limit})",
    moderation_word: "mot à modérer : {word}",
    disallowed_word: "mot interdit : {word}",
    moderation_all: "tous les commentaires sont modérés",
    first_time: "premier commentaire de cette adresse",
    bot: "robot : {signal}",
    honeypot: "champ piège rempli",
    too_fast: "envoyé {seconds} s après l’affichage du formulaire",
    forged_token: "jeton de formulaire falsifié",
    reported: "signalé par des lecteurs de {count} réseaux",
};

/// Words of readers' rights (SPEC section 14): the my-data pages and emails, the
/// report form and its emails, and their admin pieces.
pub struct RightsWords {
    pub my_data: &'static str,
    pub request_intro: &'static str,
    pub email: &'static str,
    pub send_link: &'static str,
    pub your_comments_on: &'static str,
    pub written_with: &'static str,
    pub none_left: &'static str,
    pub page: &'static str,
    pub date: &'static str,
    pub status: &'static str,
    pub comment: &'static str,
    pub published: &'static str,
    pub awaiting: &'static str,
    pub spam: &'static str,
    pub deleted: &'static str,
    pub download: &'static str,
    pub download_note: &'static str,
    pub erase_heading: &'static str,
    pub erase_explain: &'static str,
    pub backups_note: &'static str,
    pub erase_button: &'static str,
    pub erased: &'static str,
    pub bad_link: &'static str,
    pub ask_again: &'static str,
    pub removed_placeholder: &'static str,
    pub mail_subject: &'static str,
    pub mail_intro: &'static str,
    pub mail_open: &'static str,
    pub mail_ignore: &'static str,
    pub report: &'static str,
    pub report_heading: &'static str,
    pub reason: &'static str,
    pub reason_spam: &'static str,
    pub reason_abuse: &'static str,
    pub reason_illegal: &'static str,
    pub reason_other: &'static str,
    pub detail: &'static str,
    pub reporter_email: &'static str,
    pub send_report: &'static str,
    pub back: &'static str,
    pub link: &'static str,
    pub reported_subject: &'static str,
    pub reported_intro: &'static str,
    pub reported_held: &'static str,
    pub reports: &'static str,
    pub decide: &'static str,
    pub decision_subject: &'static str,
    pub decision_intro: &'static str,
    pub decision_removed: &'static str,
    pub decision_kept: &'static str,
    pub removal_subject: &'static str,
    pub removal_intro: &'static str,
    pub removal_reasons: &'static str,
    pub removal_contest: &'static str,
    pub footer: &'static str,
    pub reported_view: &'static str,
    pub dismiss: &'static str,
    pub readers_data: &'static str,
    pub readers_data_intro: &'static str,
    pub site: &'static str,
    pub erase_address: &'static str,
    pub erased_admin: &'static str,
}

impl RightsWords {
    pub fn of(lang: Lang) -> &'static RightsWords {
        match lang {
            Lang::En => &RIGHTS_EN,
            Lang::Fr => &RIGHTS_FR,
        }
    }

    /// A reason's name, from its code (`spam`, `abuse`, `illegal`, `other`).
    pub fn reason_name(&self, code: &str) -> &'static str {
        match code {
            "spam" => self.reason_spam,
            "abuse" => self.reason_abuse,
            "illegal" => self.reason_illegal,
            _ => self.reason_other,
        }
    }
}

static RIGHTS_EN: RightsWords = RightsWords {
    my_data: "Your comments and your data",
    request_intro: "Enter the email address you commented with. If it wrote comments on this site, we send it a link, valid for 24 hours, to a page where you can read them, download them and erase them.",
    email: "Email",
    send_link: "Send me the link",
    your_comments_on: "Your comments on",
    written_with: "Comments written with",
    none_left: "No comment of this address remains on this site.",
    page: "Page",
    date: "Date",
    status: "Status",
    comment: "Comment",
    published: "published",
    awaiting: "awaiting moderation",
    spam: "held as spam",
    deleted: "deleted",
    download: "Download them (JSON)",
    download_note: "Every comment you wrote on this site: page, time, text, status, and your name, email and website as we store them.",
    erase_heading: "Erase them",
    erase_explain: "Erasing removes your comments from every page of this site at once, and your name, email address and network address from our database, with any email still waiting for you and your reply notifications. Replies that others wrote to your comments stay, under “This comment was removed.” This cannot be undone.",
    backups_note: "Backups of the database keep erased data until they are replaced: at most {days} days.",
    erase_button: "Erase my comments and my data",
    erased: "Done: your comments and your data are erased from this site.",
    bad_link: "This link is not valid: it has expired (after 24 hours), was already used, or was mistyped.",
    ask_again: "Ask for a new link",
    removed_placeholder: "This comment was removed.",
    mail_subject: "Your comments on",
    mail_intro: "Someone, we hope you, asked for the comments this address wrote on",
    mail_open: "Open this link within 24 hours to read them, download them or erase them:",
    mail_ignore: "If you did not ask, ignore this email: nothing happens without the link.",
    report: "Report",
    report_heading: "Report this comment",
    reason: "Why?",
    reason_spam: "Spam",
    reason_abuse: "Abuse or harassment",
    reason_illegal: "Illegal content",
    reason_other: "Other",
    detail: "Details (optional)",
    reporter_email: "Your email, to hear the decision (optional)",
    send_report: "Send the report",
    back: "Back to the comments",
    link: "Link",
    reported_subject: "Comment reported on",
    reported_intro: "Readers reported a comment on",
    reported_held: "It was reported from enough networks to be held: it is hidden until you decide.",
    reports: "Reports",
    decide: "Decide in the queue",
    decision_subject: "Your report on",
    decision_intro: "You reported a comment on",
    decision_removed: "The moderators removed it.",
    decision_kept: "The moderators looked at it and kept it: they found it within the site’s rules.",
    removal_subject: "Your comment was removed from",
    removal_intro: "The moderators removed your comment on",
    removal_reasons: "Readers reported it for these reasons",
    removal_contest: "If you think this is a mistake, write to the site’s owner.",
    footer: "Sent by Causerie, the comment service of this site.",
    reported_view: "Reported",
    dismiss: "Dismiss the reports",
    readers_data: "Readers’ data",
    readers_data_intro: "A commenter’s comments on one site, as they can ask for them: download them, or erase them as the reader’s own erase button does.",
    site: "Site",
    erase_address: "Erase this address’s comments and data",
    erased_admin: "Erased: comments of this address",
};

static RIGHTS_FR: RightsWords = RightsWords {
    my_data: "Vos commentaires et vos données",
    request_intro: "Saisissez l’adresse de messagerie avec laquelle vous avez commenté. Si elle a écrit des commentaires sur ce site, nous lui envoyons un lien, valable 24 heures, vers une page où les lire, les télécharger et les effacer.",
    email: "Adresse de messagerie",
    send_link: "M’envoyer le lien",
    your_comments_on: "Vos commentaires sur",
    written_with: "Commentaires écrits avec",
    none_left: "Il ne reste aucun commentaire de cette adresse sur ce site.",
    page: "Page",
    date: "Date",
    status: "État",
    comment: "Commentaire",
    published: "publié",
    awaiting: "en attente de modération",
    spam: "retenu comme indésirable",
    deleted: "supprimé",
    download: "Les télécharger (JSON)",
    download_note: "Chaque commentaire que vous avez écrit sur ce site : page, date, texte, état, et vos nom, adresse et site web tels que nous les gardons.",
    erase_heading: "Les effacer",
    erase_explain: "Effacer retire aussitôt vos commentaires de toutes les pages de ce site, et vos nom, adresse de messagerie et adresse réseau de notre base, avec les messages qui vous attendent encore et vos notifications de réponses. Les réponses que d’autres ont écrites à vos commentaires restent, sous « Ce commentaire a été retiré. » C’est définitif.",
    backups_note: "Les sauvegardes de la base gardent les données effacées jusqu’à leur remplacement : {days} jours au plus.",
    erase_button: "Effacer mes commentaires et mes données",
    erased: "C’est fait : vos commentaires et vos données sont effacés de ce site.",
    bad_link: "Ce lien n’est pas valable : il a expiré (après 24 heures), a déjà servi ou a été mal recopié.",
    ask_again: "Demander un nouveau lien",
    removed_placeholder: "Ce commentaire a été retiré.",
    mail_subject: "Vos commentaires sur",
    mail_intro: "Quelqu’un, vous sans doute, a demandé les commentaires que cette adresse a écrits sur",
    mail_open: "Ouvrez ce lien dans les 24 heures pour les lire, les télécharger ou les effacer :",
    mail_ignore: "Si vous n’avez rien demandé, ignorez ce message : rien ne se passe sans le lien.",
    report: "Signaler",
    report_heading: "Signaler ce commentaire",
    reason: "Pourquoi ?",
    reason_spam: "Indésirable (spam)",
    reason_abuse: "Abus ou harcèlement",
    reason_illegal: "Contenu illicite",
    reason_other: "Autre",
    detail: "Précisions (facultatif)",
    reporter_email: "Votre adresse, pour connaître la décision (facultatif)",
    send_report: "Envoyer le signalement",
    back: "Retour aux commentaires",
    link: "Lien",
    reported_subject: "Commentaire signalé sur",
    reported_intro: "Des lecteurs ont signalé un commentaire sur",
    reported_held: "Il a été signalé depuis assez de réseaux pour être retenu : il est masqué jusqu’à votre décision.",
    reports: "Signalements",
    decide: "Décider depuis la file",
    decision_subject: "Votre signalement sur",
    decision_intro: "Vous avez signalé un commentaire sur",
    decision_removed: "Les modérateurs l’ont retiré.",
    decision_kept: "Les modérateurs l’ont examiné et gardé : ils l’ont jugé conforme aux règles du site.",
    removal_subject: "Votre commentaire a été retiré de",
    removal_intro: "Les modérateurs ont retiré votre commentaire sur",
    removal_reasons: "Des lecteurs l’ont signalé pour ces raisons",
    removal_contest: "Si vous pensez que c’est une erreur, écrivez au propriétaire du site.",
    footer: "Envoyé par Causerie, le service de commentaires de ce site.",
    reported_view: "Signalés",
    dismiss: "Écarter les signalements",
    readers_data: "Données des lecteurs",
    readers_data_intro: "Les commentaires d’une adresse sur un site, tels que le lecteur peut les demander : les télécharger, ou les effacer comme le fait le bouton du lecteur.",
    site: "Site",
    erase_address: "Effacer les commentaires et les données de cette adresse",
    erased_admin: "Effacés : commentaires de cette adresse",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiate_prefers_highest_q_among_spoken_languages() {
        assert_eq!(
            Lang::negotiate(Some("de, fr;q=0.8, en;q=0.5"), Lang::En),
            Lang::Fr
        );
        assert_eq!(Lang::negotiate(Some("en-GB,fr;q=0.9"), Lang::Fr), Lang::En);
        assert_eq!(Lang::negotiate(Some("de"), Lang::Fr), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("fr;q=0"), Lang::En), Lang::En);
        assert_eq!(Lang::negotiate(None, Lang::Fr), Lang::Fr);
    }

    #[test]
    fn every_message_exists_in_every_language() {
        // Every message, with the value it carries (if any) that its text must show.
        let all: Vec<(Msg, Option<&str>)> = vec![
            (Msg::Required, None),
            (Msg::TooLong { max: 245 }, Some("245")),
            (Msg::InvalidEmail, None),
            (Msg::InvalidWebsite, None),
            (Msg::InvalidPage, None),
            (Msg::InvalidParent, None),
            (Msg::WrongType, None),
            (Msg::Flood { secs: 37 }, Some("37")),
            (Msg::TooManyComments { minutes: 41 }, Some("41")),
            (Msg::TooManyPages { max: 53 }, Some("53")),
            (Msg::InvalidLimit, None),
            (Msg::InvalidCursor, None),
            (Msg::InvalidToken, None),
            (Msg::UnknownComment, None),
            (Msg::UnknownParent, None),
            (Msg::ThreadClosed, None),
            (Msg::OriginNotAllowed, None),
            (
                Msg::UnknownSite {
                    site: "carnet-xyz".into(),
                },
                Some("carnet-xyz"),
            ),
            (Msg::SiteMismatch, None),
            (Msg::TokenMissing, None),
            (Msg::TokenWrong, None),
            (Msg::EditWindowClosed, None),
            (Msg::Duplicate, None),
            (Msg::BodyTooLarge, None),
            (Msg::BodyTooSlow, None),
            (
                Msg::MalformedJson {
                    detail: "line 3 column 9".into(),
                },
                Some("line 3 column 9"),
            ),
            (Msg::WrongContentType, None),
            (Msg::NotFound, None),
            (Msg::Internal, None),
            (Msg::Unavailable, None),
            (Msg::InvalidReason, None),
            (Msg::TooManyReports { minutes: 43 }, Some("43")),
            (Msg::TooManyDataRequests { minutes: 47 }, Some("47")),
            (Msg::ReportReceived, None),
            (Msg::DataRequested, None),
            (Msg::NoRoom, None),
            (Msg::FormExpired, None),
            (Msg::FormInvalid, None),
            (Msg::CheckFields, None),
            (Msg::Pending, None),
            (Msg::Posted, None),
        ];
        // A new message fails to compile here until it is added to the list above.
        for (m, _) in &all {
            match m {
                Msg::Required
                | Msg::TooLong { .. }
                | Msg::InvalidEmail
                | Msg::InvalidWebsite
                | Msg::InvalidPage
                | Msg::InvalidParent
                | Msg::WrongType
                | Msg::Flood { .. }
                | Msg::TooManyComments { .. }
                | Msg::TooManyPages { .. }
                | Msg::InvalidLimit
                | Msg::InvalidCursor
                | Msg::InvalidToken
                | Msg::UnknownComment
                | Msg::UnknownParent
                | Msg::ThreadClosed
                | Msg::OriginNotAllowed
                | Msg::UnknownSite { .. }
                | Msg::SiteMismatch
                | Msg::TokenMissing
                | Msg::TokenWrong
                | Msg::EditWindowClosed
                | Msg::Duplicate
                | Msg::BodyTooLarge
                | Msg::BodyTooSlow
                | Msg::MalformedJson { .. }
                | Msg::WrongContentType
                | Msg::NotFound
                | Msg::Internal
                | Msg::Unavailable
                | Msg::NoRoom
                | Msg::FormExpired
                | Msg::FormInvalid
                | Msg::CheckFields
                | Msg::Pending
                | Msg::Posted
                | Msg::InvalidReason
                | Msg::TooManyReports { .. }
                | Msg::TooManyDataRequests { .. }
                | Msg::ReportReceived
                | Msg::DataRequested => {}
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (m, shown) in &all {
            let (en, fr) = (m.text(Lang::En), m.text(Lang::Fr));
            for (lang, text) in [("en", &en), ("fr", &fr)] {
                // A sentence, or one that ends with what it quotes (a parser's detail).
                let ended = text.trim_end().ends_with(['.', '!', ')'])
                    || shown.is_some_and(|v| text.ends_with(v));
                assert!(
                    text.trim().len() > 5 && ended,
                    "{m:?} in {lang}: {text:?} is not a sentence"
                );
                if let Some(value) = shown {
                    assert!(
                        text.contains(value),
                        "{m:?} in {lang} omits {value}: {text}"
                    );
                }
            }
            // Translated, not copied; and no two messages say the same thing (but
            // a malformed edit key and a wrong one, which a reader cannot tell apart).
            assert_ne!(en, fr, "{m:?} is not translated");
            if !matches!(m, Msg::InvalidToken) {
                assert!(seen.insert(en.clone()), "two messages say {en:?}");
                assert!(seen.insert(fr.clone()), "two messages say {fr:?}");
            }
        }
    }
}
