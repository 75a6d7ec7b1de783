"""Page chrome: the text around a story that is not the story.

Two kinds of evidence. Markup: figure, aside, nav, footer, elements whose class
says share/related/caption, lists of links (``drop_furniture``). And the words
themselves, for feeds that deliver a captured page as flat paragraphs
(``is_chrome``, ``is_tail_marker``, ``strip_trailing_junk``).

Patterns describe the *shape* of chrome (calls to action, credits, timestamps,
section labels) in the languages feeds are written in, not any one site. Most
of them only apply to short text that does not read as a sentence: "Share" is
a button, "Share prices fell 3% on Monday." is news.
"""

from __future__ import annotations

import re

import lxml.html

from digest.sentences import ends_sentence

_X = re.IGNORECASE | re.VERBOSE | re.DOTALL

# Markup that is never story text.
FURNITURE_TAGS = frozenset(
    {
        "figure",
        "figcaption",
        "aside",
        "nav",
        "footer",
        "header",
        "table",
        "pre",
        "form",
        "blockquote",
        "details",
        "caption",
        "del",
        "s",
    }
)

# Class words that mark page furniture in HTML.
CHROME_CLASS = re.compile(
    r"(?:^|[-_\s])(?:share|sharing|social|related|recirc|newsletter|subscribe|signup|byline|"
    r"credits?|caption|promo|advert|ads?|sponsor(?:ed)?|sidebar|comments?|breadcrumbs?|"
    r"tags|author|bio|footer|nav|menu|toolbar|widget|outbrain|taboola|more-stories|"
    r"read-more|wp-caption-text|photo-credit|disclaimer)(?:$|[-_\s])",
    re.IGNORECASE,
)

# Consent and cookie banners by their class or id: "cookie" only in a compound with a
# banner word ("cookie-banner", "cookieNotice", "eu-cookie-law"), never alone, since a
# food site files its recipes under "category-cookies"; "consent" and "gdpr" anywhere;
# and the consent platforms' own names. A bare "cmp" prefix is not one: Adobe's core
# components are "cmp-text", "cmp-container".
CONSENT_MARKUP = re.compile(
    r"""consent|gdpr|ccpa|onetrust|ot-sdk|didomi|usercentrics|cookiebot|cookieyes|cookiehub
        |cookie-?script|cookie-?first|complianz|cmplz|borlabs|iubenda|trustarc|truste-|quantcast
        |qc-cmp|cmpbox|sp_message|sp-message|termly|osano|cc-window|cc-banner|cc_banner|cky-
        |(?:^|[\s_-])cmp\d*(?:$|\s|[-_](?:banner|dialog|layer|modal|overlay|popup|root|ui)\b)
        |cookies?[-_]?(?:eu[-_]?|law[-_]?|info[-_]?)?
            (?:banner|bar|box|notice|notification|popup|pop-up|modal|overlay|wall|message|msg
            |alert|dialog|warning|prompt|layer|law|policy|settings|preferences|prefs
            |disclaimer|info|choices?|compliance|container|wrapper|hint|note)(?:$|[\s_\d-])
        |privacy[-_]?(?:banner|bar|notice|popup|modal|overlay|prompt|manager|center|centre
            |settings|wall|dialog|choices)(?:$|[\s_\d-])""",
    re.IGNORECASE | re.VERBOSE,
)
_CONSENT_DIALOG = re.compile(
    r"cookie|consent|privacy|datenschutz|privacidade|confidentialité|privacidad", re.IGNORECASE
)

# A block that starts the page's trailing furniture: everything from it on is dropped.
TAIL_MARKERS = re.compile(
    r"""^(?:related(?:\s+(?:stories|articles|posts|content|coverage|reading|links|videos))?
        |recent(?:\s+(?:posts|stories|articles))|more\s+(?:stories|from|on|in|like\s+this)\b.*
        |(?:you\s+)?(?:may|might)\s+(?:also\s+)?(?:like|enjoy|be\s+interested).*
        |see\s+also|also\s+read|further\s+reading|read\s+(?:next|also)|what\s+to\s+read\s+next
        |most\s+(?:popular|read|viewed)|trending(?:\s+now)?|popular\s+(?:now|posts|stories)
        |latest\s+(?:news|stories|posts)|top\s+stories|recommended(?:\s+for\s+you)?
        |about\s+the\s+author|leave\s+a\s+(?:comment|reply)|share\s+this(?:\s+\w+)?
        |filed\s+under.*|show\s?notes|kapitelmarken|chapters|mehr\s+zum\s+thema|weitere\s+artikel|lesen\s+sie\s+auch
        |leia\s+(?:também|mais)|veja\s+também|saiba\s+mais|notícias\s+relacionadas
        |читайте\s+также|похожие\s+(?:статьи|новости)|相关(?:文章|新闻|阅读)|관련\s*기사)
        [\s:：.…]*$""",
    _X,
)
TAIL_WORDS = 8  # a tail marker is a heading, not a sentence that happens to start alike

# Chrome whatever its length: syndication footers, copyright lines, credits with a colon.
CHROME_ANY = re.compile(
    r"""^(?:
        the\s+post\s+.{1,300}\s+appeared\s+first\s+on\s+.{1,120}
        |.{1,300}\s+was\s+originally\s+published\s+(?:in|on|at|by)\s+.{1,200}
        |this\s+(?:article|story|post|entry)\s+(?:originally\s+)?(?:appeared|was\s+(?:first\s+)?
            (?:published|posted))\b.{0,200}
        |(?:©|ⓒ|\(c\)\s*\d|copyright\s*(?:©|\(c\)|\d{4}|by\b)).{0,200}
        |.{0,200}(?:\ball\s+rights\s+reserved|\balle\s+rechte\s+vorbehalten|
            \btodos\s+os\s+direitos\s+reservados|\bвсе\s+права\s+защищены|版权所有|
            未经.{0,6}许可.{0,10}转载|未经授权.{0,10}转载|무단\s*전재)\.?.{0,40}
        |版权声明[:：].{0,200}
        # A video player's label and the embedded video's title: "Close video Storm hits
        # coast"; a paragraph that goes on in sentences after it is story ("Close video
        # analysis showed …" is too).
        |close\s+video(?:\s+[^.!?]{0,80})?
        |(?:photo|photograph|image|picture|illustration|graphic|credit|foto|bild|imagem|
            фото|图片|사진)s?\s*:.{0,200}
        |(?:previously\s+|only\s+)*available\s+(?:only\s+)?(?:to|for)\s+(?:\w+\s+){0,3}
            (?:members|subscribers)\b.{0,200}
        |\[\s*(?:…|\.\.\.)\s*\]|\((?:more|mehr)…?\)|\[more\]
        # A reference keyed to a timecode: the sources under a video or podcast, "(1:51) …".
        # Only in parentheses: "[15:15:56] nick: …" is a chat log, and that is the story.
        |\(\d{1,2}:\d{2}(?::\d{2})?\)\s.{0,600}
        # A note set off by an asterisk ("*We got the stat wrong."), not *emphasis*.
        |\*(?=[^\s*])[^*]{0,300}
    )$""",
    _X,
)

# A feed's sign-off asking for feedback at an address: "… give me feedback … via email
# luke@example.com". It closes every item of its feed and says nothing about any one.
CONTACT_FOOTER = re.compile(
    r"""(?:\b(?:i|we)[’']?d\s+love\s+to\s+hear|\bgive\s+(?:me|us)\s+feedback
        |\b(?:send|email|write\s+to|contact|reach)\s+(?:me|us)\b|\bget\s+in\s+touch
        |\bschreib\w*\s+(?:mir|uns)\b|\bkontaktier\w*\s+(?:mich|uns)\b
        |\b(?:écrivez|contactez)-(?:moi|nous)|\bescr[íi]be(?:me|nos)\b|\bcontáct(?:ame|anos)\b
        |\bescreva-(?:me|nos)|\bfale\s+conosco)""",
    _X,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", re.IGNORECASE)

# A platform or shop at the end of a call to action: "on Netflix", "at Best Buy".
_VENUE = r"(?:on|at|from|via)\s+[A-Z0-9][\w&.+'’-]*(?:\s+[A-Z0-9+][\w&.+'’-]*){0,3}\s*[.!]?"

# Calls to action and labels, chrome only when short (``SHORT_WORDS``).
CHROME_SHORT = re.compile(
    rf"""^(?:
        (?:watch|stream|listen|rent|buy|shop|order|download|get\s+it|available)\b.{{0,60}}?
            \b(?-i:{_VENUE})
        |see\s+(?:it\s+)?at\s+.{{2,40}}|\$?\d[\d.,]*\s+at\s+(?-i:[A-Z]).{{1,40}}
        |(?:continue|keep)\s+reading\b.{{0,120}}
        |click\s+here\b.{{0,80}}
        |(?:enjoy(?:ing|ed)?|lik(?:e|ed|ing)|lov(?:e|ed|ing))\s+this\s+(?:article|story|post)\?
        # A sign-off, whole: "Thank you for reading via RSS.", "Danke fürs Zuhören!" (but not
        # "Thanks for reading the fine print, the judge said.": only a channel may follow).
        |(?:(?:(?:many\s+)?thanks|thank\s+you)\s+(?:so\s+much\s+|again\s+)?for\s+(?:reading
            |listening|watching|subscribing|following|your\s+support)
        |(?:vielen\s+)?dank(?:e|\s+schön)?\s+(?:fürs|für\s+(?:das|ihr|euer|dein))\s+(?:lesen
            |zuhören|zuschauen|interesse)
        |merci\s+(?:de\s+(?:votre|nous)\s+(?:lecture|lire|suivre)|d['’]avoir\s+lu|pour\s+votre
            \s+(?:lecture|écoute))
        |gracias\s+por\s+(?:leer|escuchar|tu\s+lectura|su\s+lectura)
        |obrigad[oa]\s+por\s+(?:ler|ouvir|acompanhar))
            (?:\s+(?:via|on|in|at|with|per|über|auf|sur|par|por|en|em|no|na)\s[^.!?,]{{1,40}})?
            (?:\s*\([^)]{{0,40}}\))?[\s.!…]*
        |(?:sign\s+up|subscribe)\b.{{0,80}}
        # "Follow us on Instagram", "Join our newsletter": not "Join us in welcoming …".
        |(?:follow|join)\s+(?:us|our)\b.{{0,40}}?\b(?:on|at|via)\s+(?:twitter|x|facebook
            |instagram|tiktok|youtube|linkedin|mastodon|bluesky|threads|telegram|whatsapp
            |discord|social\s+media|@)\S*.{{0,40}}
        |join\s+(?:us|our)\b.{{0,40}}?\b(?:newsletter|mailing\s+list|community|discord
            |slack|patreon|membership|subscribers?|members?)\b.{{0,60}}
        |(?:share|tweet|email|print)(?:\s+(?:this|it|on|via|to|with)\b.{{0,60}})?[.!]?
        |(?:about\s+)?(?:an?|\d+)\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?)
            \s+ago
        |(?:last\s+)?(?:updated|published|posted|modified)(?:\s+(?:on|at|by))?\s*:?\s*
            (?:\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)
            [a-z]*\b|by\s+(?-i:[A-Z])|\w+\s+ago).{{0,60}}
        |advertisement|anzeige|publicidade|sponsored(?:\s+content)?|werbung|реклама|广告
        |(?:weiterlesen|mehr\s+lesen|leia\s+mais|ler\s+mais|continuar\s+lendo|читать\s+далее|
            подробнее|阅读全文|더\s*보기|전체\s*보기).{{0,40}}
        |comments?|permalink|\d+\s+comments?|more\s*(?:»|›|→)|»
        |(?:tags?|categor(?:y|ies)|filed\s+(?:in|under)|labels?|topics?|themen|schlagwörter)
            \s*:.*
    )$""",
    _X,
)
SHORT_WORDS = 14

# Labels that are chrome only when they do not read as a sentence (no final punctuation).
CHROME_LABEL = re.compile(
    r"""^(?:
        (?:read|see|view|show|load)\s+(?:more|all|the\s+full\b).{0,60}
        |related\s*:.*
        |\+\s?\d+\s+more|\d+\s+(?:photos?|images?|comments?|shares?|views?)
        |(?:photos?|images?|pictures?|illustrations?)\s+(?:by|courtesy\s+of|via)\s+.{1,150}
        |(?:source|quelle|fonte|источник)\s*:.{0,150}
        |(?:https?://|www\.)\S+
        |(?:lesen\s+sie\s+(?:auch|mehr)|read\s+(?:also|more|next)|see\s+also|also\s+read
            |leia\s+(?:também|mais)|veja\s+também|читайте\s+также|相关阅读|관련\s*기사)\s*:.*
        |.{0,150}\b(?:(?:\d+|an?|one)\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?)\s+ago
            |há\s+\d+\s+(?:minutos?|horas?|dias?)|vor\s+\d+\s+(?:minuten|stunden|tagen)
            |\d+\s+(?:минут[ауы]?|час(?:а|ов)?|дн(?:я|ей))\s+назад)
        |.{0,80}\b(?:getty\s+images|shutterstock|associated\s+press|afp|reuters|dpa|
            picture\s+alliance|imago|alamy|epa|wireimage|ap\s+photo)\b.{0,40}
        |.{0,80}(?:/|\()\s*(?-i:AP)\)?
        |.{0,60}\b(?:screenshot|screengrab|screen\s+grab|film\s+still|courtesy\s+of)\b.{0,60}
    )$""",
    _X,
)

# Consent banners in words. The site says it sets cookies ("This website uses cookies…";
# "We use cookies" and what for: the experience, traffic, ads), tells the reader what
# clicking or staying on means ("By clicking “Accept”, you agree…"), how to change their
# mind, or where its cookie policy is; and the banner's buttons. Each pattern is anchored
# at the start of a single sentence and names cookies, consent or the site's policy, so
# that a story about a cookie law, or quoting a banner, or about baking keeps its
# sentences ("We use cookies from the day before for the crumb base.").
# Words that any consent sentence has (casefolded): most text is ruled out by these alone.
_CONSENT_HINTS = (
    "cookie",
    "쿠키",
    "consent",
    "privacy",
    "privacid",
    "datenschutz",
    "einwilligung",
    "zustimmung",
    "confidentialit",
    "конфиденциальн",
    "согласи",
    "隐私",
    "隱私",
    "terms",
    "nutzungsbedingungen",
    "termos",
    "conditions",
    "condiciones",
)
_SENTENCE_END = re.compile(r"[.!?。！？][”\"’'»)]*\s+\S")  # another sentence follows
_COOKIE_WORD = r"(?:cookie|kookie|technolog|쿠키)"
CONSENT_SITE = re.compile(
    rf"""^(?:
        (?:this|our)\s+(?:web\s?)?(?:site|page|portal|platform|app)\s+(?:also\s+)?
            (?:uses|is\s+using|utili[sz]es|employs|places|sets|stores|relies\s+on|may\s+use)\b
        |(?:diese|unsere)\s+(?:web|internet)?(?:site|seite|website|webseite)\s+
            (?:verwendet|nutzt|benutzt|setzt|speichert)\b
        |(?:este|esta|o\s+nosso|nosso|nuestro)\s+(?:site|sítio|portal|website|sitio|p[áa]gina)
            (?:\s+web)?\s+(?:utiliza|usa|emprega)\b
        |(?:ce|notre)\s+site(?:\s+web|\s+internet)?\s+(?:utilise|emploie|dépose)\b
        |(?:этот|наш|данный)\s+(?:веб-?)?сайт\s+(?:использует|применяет)
        |(?:本|我们的|我們的)?(?:网站|網站|网页|網頁)(?:会|會)?(?:使用|采用)
        |(?:이|본|당)\s*(?:웹\s*)?사이트(?:는|에서는)
    ).{{0,100}}?{_COOKIE_WORD}""",
    _X,
)
CONSENT_WE = re.compile(
    rf"""^(?:
        we(?:\s+and\s+(?:our\s+)?(?:\d+\s+)?(?:\w+\s+)?(?:partners|vendors|third[\s-]parties))?
            \s+(?:also\s+)?(?:use|are\s+using|utili[sz]e|employ|place|set|store|collect
            |rely\s+on|(?:would\s+like|want|need)\s+to\s+(?:use|set|store)|may\s+(?:use|set))\b
        |wir(?:\s+und\s+unsere\s+partner)?\s+(?:verwenden|nutzen|benutzen|setzen|speichern
            |möchten|würden)\b
        |(?:nós(?:\s+e\s+os\s+nossos\s+parceiros)?\s+)?(?:utilizamos|usamos|empregamos)\b
        |nous(?:\s+et\s+nos\s+partenaires)?\s+(?:utilisons|déposons|employons)\b
        |мы(?:\s+и\s+наши\s+партн[её]ры)?\s+(?:используем|применяем)
        |(?:我们|我們)(?:会|會)?(?:使用|采用)
        |(?:저희는|당사는|우리는)
    ).{{0,100}}?{_COOKIE_WORD}""",
    _X,
)
# What a site sets cookies for: "We use cookies" in a recipe is about biscuits.
_COOKIE_PURPOSE = re.compile(
    r"""experience|web\s?site|\bsite\b|\bsitio|brows|visit|navig|analy|anály|análi|statistic
        |traffic|advertis|\bads\b|personali[sz]|marketing|function|servic|serviç|usage|audience
        |measur|tailor|relevant|social\s+media|device|consent|erfahrung|erlebnis|webseite
        |nutzung|werbung|experiência|publicidade|anúncios|expérience|publicité|experiencia
        |publicidad|опыт|сайт|удобств|аналитик|реклам|сервис|体验|網站|网站|服务|分析|广告
        |경험|서비스|맞춤|분석|광고""",
    re.IGNORECASE | re.VERBOSE,
)
CONSENT_BY = re.compile(
    r"""^(?:
        by\s+(?:continuing|clicking|using|browsing|scrolling|visiting|staying|tapping|selecting
            |pressing|closing|accepting|proceeding|navigating|choosing|remaining)\b
            .{0,200}?\byou(?:\s+are|\s+hereby|\s+also)?\s+(?:agree|consent|accept|acknowledge)
        |(?:durch|mit|bei|indem|wenn)\b.{0,200}?\b(?:stimmen|erklären|willigen|akzeptieren)
            \s+(?-i:Sie)\b
        |ao\s+(?:continuar|clicar|utilizar|usar|navegar|aceitar|prosseguir|permanecer)\b
            .{0,200}?\b(?:concorda|aceita|consente)
        |en\s+(?:poursuivant|continuant|cliquant|utilisant|naviguant|acceptant)\b
            .{0,200}?\bvous\s+(?:acceptez|consentez)
        |al\s+(?:continuar|hacer\s+clic|pulsar|navegar|utilizar|usar|aceptar|seguir)\b
            .{0,200}?\b(?:acepta|aceptas|consiente|consientes)\b
        |продолжая\b.{0,200}?\bвы\s+(?:соглашаетесь|принимаете|даете|даёте)
    )""",
    _X,
)
CONSENT_CHOICE = re.compile(
    r"""^(?:
        you\s+can\s+(?:always\s+|also\s+|at\s+any\s+time\s+)?
        |(?:for\s+more\s+(?:information|details|info)|to\s+(?:learn|find\s+out|read)\s+more
            |(?:learn|find\s+out|read)\s+more|more\s+information|further\s+information
            |please\s+(?:see|read|refer\s+to|visit|review|consult|check)|see|read|visit|view
            |details)\b
        |sie\s+können|weitere\s+informationen|mehr\s+(?:informationen|erfahren)
        |(?:você\s+)?pode|para\s+saber\s+mais|saiba\s+mais|mais\s+informações
        |vous\s+pouvez|pour\s+en\s+savoir\s+plus|en\s+savoir\s+plus
        |puedes?|para\s+más\s+información|más\s+información
        |вы\s+можете|подробнее
    )""",
    _X,
)
# ... and the banner's own place in the site: the consent given, the policy, the settings.
_CONSENT_PLACE = re.compile(
    r"""\b(?:your|ihre|seu|votre|su|сво[её])\s+(?:consent|einwilligung|zustimmung|consentimento
            |consentement|consentimiento|согласие)
        |\b(?:our|unsere[nr]?|nossa|notre|nuestra|наш[аеи]?)\s+(?:(?:use\s+of\s+)?cookie
            |privacy|data\s+protection|datenschutz|política|politique|политик)
        |how\s+we\s+use\s+cookies|(?:cookie|privacy)\s+(?:settings|preferences|policy|notice)
            \b.{0,80}\b(?:at\s+any\s+time|anytime|by\s+clicking|below|footer|link|this\s+site)
        |cookie-(?:einstellungen|richtlinie)|datenschutzerklärung
        |(?:política|politique|configurações|definições|preferências|paramètres|configuración)
            \s+(?:de|des|relative\s+aux)\s+(?:cookies|privacidade|privacidad|confidentialité)
        |политик[аеиу]\s+(?:конфиденциальности|(?:использования\s+)?(?:файлов\s+)?cookie)""",
    _X,
)
# Terms a consent sentence agrees to.
_CONSENT_OBJECT = re.compile(
    r"""cookie|privacy|terms|polic|consent|storing|tracking|datenschutz|einwilligung
        |nutzungsbedingungen|einverstanden|termos|política|dados|privacidade|conditions|données
        |confidentialité|condiciones|datos|privacidad|политик|данных|cookie""",
    re.IGNORECASE | re.VERBOSE,
)
# The banner's buttons and headings, whole; or a row of its buttons ("Manage preferences
# Accept all").
_CONSENT_BUTTON = r"""(?:
        (?:accept|allow|reject|decline|deny|refuse)\s+(?:all|selected|selection|necessary
            |essential|optional|non-essential|recommended|(?:all\s+)?(?:and|&)\s+(?:close|continue))
            (?:\s+cookies)?|(?:accept|allow|reject|decline|refuse)\s+(?:all\s+)?cookies
        |(?:agree|consent)\s+(?:and|&)\s+(?:close|continue|proceed)
        |(?:manage|customi[sz]e|change|adjust|review|show|edit|save)\s+(?:my\s+|your\s+)?
            (?:cookies?\s+|privacy\s+|consent\s+)?(?:preferences|settings|choices|options
            |consent|purposes|vendors|partners|cookies)
        |(?:use|allow|accept)\s+(?:only\s+)?(?:strictly\s+)?(?:necessary|essential|required)
            \s+cookies(?:\s+only)?
        |(?:only|strictly)\s+(?:necessary|essential)(?:\s+cookies)?(?:\s+only)?
        |(?:necessary|essential)\s+cookies\s+only
        |(?:cookies?|privacy|consent)\s+(?:settings|preferences|policy|notice|consent|choices
            |declaration|statement|center|centre|overview)
        |we\s+(?:value|care\s+about|respect)\s+your\s+privacy
        |your\s+privacy(?:\s+(?:choices|settings|options|preferences))?
        |(?:this|our)\s+(?:web\s?)?site\s+uses\s+cookies|we\s+use\s+cookies
        |do\s+not\s+sell(?:\s+or\s+share)?\s+my\s+(?:personal\s+)?info(?:rmation)?
        |(?:confirm|save)\s+(?:my\s+)?(?:choices|selection|preferences|settings)
        |alle\s+(?:akzeptieren|annehmen|ablehnen|zulassen|cookies\s+(?:akzeptieren|zulassen))
        |nur\s+(?:notwendige|essenzielle|erforderliche)(?:\s+cookies)?(?:\s+(?:akzeptieren
            |zulassen|verwenden))?
        |(?:cookie|privatsphäre|datenschutz)-?\s*einstellungen(?:\s+(?:verwalten|anpassen))?
        |einstellungen\s+(?:verwalten|anpassen|speichern)|auswahl\s+(?:speichern|erlauben)
        |akzeptieren\s+und\s+schließen
        |(?:aceitar|rejeitar|recusar)\s+(?:todos(?:\s+os\s+cookies)?|tudo|cookies
            |e\s+(?:fechar|continuar))
        |(?:gerenciar|gerir|personalizar)\s+(?:cookies|preferências|configurações|definições)
        |(?:configurações|definições|preferências|política)\s+de\s+(?:cookies|privacidade)
        |tout\s+(?:accepter|refuser)|(?:accepter|refuser)\s+(?:tout|les\s+cookies|et\s+fermer)
        |(?:paramétrer|personnaliser|gérer)\s+(?:les\s+cookies|mes\s+choix|mes\s+préférences)
        |paramètres\s+(?:des\s+)?cookies
        |(?:aceptar|rechazar)\s+(?:todas?(?:\s+las\s+cookies)?|todo|cookies)
        |(?:configurar|gestionar)\s+(?:cookies|preferencias)
        |(?:configuración|preferencias)\s+de\s+(?:cookies|privacidad)
        |(?:принять|отклонить)\s+(?:все(?:\s+(?:файлы\s+)?cookie)?|(?:файлы\s+)?cookie)
        |настройки\s+(?:файлов\s+)?cookie
        |(?:接受|拒绝|拒絕)(?:全部|所有)\s*(?:cookies?)?|cookies?\s*设置|隐私设置
        |모두\s*(?:수락|동의|허용|거부)|쿠키\s*(?:설정|정책|허용)
    )"""
CONSENT_LABEL = re.compile(rf"^(?:{_CONSENT_BUTTON}\s*[.!?。！？|·•]?\s*){{1,4}}$", _X)
CONSENT_LABEL_WORDS = 12

_NAME = r"[A-ZÀ-ÖØ-ÞА-ЯЁ][\w.'’-]*(?:\s+[A-ZÀ-ÖØ-ÞА-ЯЁ][\w.'’-]*){0,3}"
_BYLINE = re.compile(
    rf"^(?:[Bb]y|BY|[Vv]on|VON|Por|POR|Par|Di|Автор|Text|Texto|Fotos?)[:\s]+{_NAME}"
    rf"(?:\s*(?:,|and|und|e|et|и|&)\s*{_NAME})*(?:\s*[,|·•—–-]\s*.{{0,60}})?$"
)

# Fragments glued to the end of an otherwise good paragraph, and words that any of them has.
_JUNK_HINTS = (
    "…",
    "...",
    "more",
    "mehr",
    "read",
    "weiter",
    "leia",
    "читать",
    "appeared",
    "originally",
    "»",
    "›",
    "→",
)
TRAILING_JUNK = re.compile(
    r"""\s*(?:\[\s*(?:…|\.\.\.)\s*\]|\((?:more|mehr)…?\)|\[more\]
        |(?:continue\s+reading|read\s+more|read\s+the\s+full\s+(?:story|article)|weiterlesen
          |leia\s+mais|читать\s+далее)\b[^.!?]{0,80}
        |the\s+post\s+.{1,300}?\s+appeared\s+first\s+on\s+.{1,120}
        |(?<=[.!?])\s+[^.!?]{1,300}?\s+was\s+originally\s+published\s+(?:in|on)\s+.{1,200}
        |(?:»|›|→)\s*)$""",
    _X,
)


# A dateline before a news story's first words: "NEWARK, N.J. (AP) — ", "MOSCOU, 24 SET
# (ANSA) - ", "Berlin (dpa) – ", "Nova York, 24 set (EFE).- ", "WASHINGTON — ", a place as
# a label ("UAE: "), and the Chinese wire form "腾讯科技讯9月18日，" / "新华社北京9月18日电".
# The rest must start a sentence, so "FBI—the agency" or "CEO: a job" in the middle of
# prose never loses words.
DATELINE = re.compile(
    r"""^(?:
        [A-ZÀ-ÖØ-ÞА-ЯЁ][A-ZÀ-ÖØ-ÞА-ЯЁ'’.-]+(?:\s[A-ZÀ-ÖØ-ÞА-ЯЁ'’.-]+){0,3}   # PLACE
            (?:,\s*[\w.'’ ]{1,24}?)?(?:\s*\([\w/ .]{1,20}\))?\s*[—–-]{1,2}\s+
        |[A-ZÀ-ÖØ-Þ][\w'’.-]+(?:\s[A-ZÀ-ÖØ-Þ][\w'’.-]+){0,2}(?:,\s*[\w.'’ ]{1,24}?)?
            \s*\((?:[A-Za-z]{2,8}(?:/[A-Za-z]{2,8})?)\)\.?\s*[—–:-]{1,2}\s+    # Place (dpa) -
        |[A-Z]{2,}(?:\s[A-Z]{2,}){0,2}:\s+                                    # UAE:
    )(?=[A-ZÀ-ÖØ-ÞА-ЯЁ"“„«])
    |^[\u4e00-\u9fff]{2,10}讯\s*(?:\d{1,2}月\d{1,2}日)?\s*[，,]?
    |^[\u4e00-\u9fff]{2,10}\d{1,2}月\d{1,2}日电\s*(?:[（(][^）)]{1,20}[）)])?""",
    re.VERBOSE,
)
# A photo credit left inside a sentence: "Max Eberl (Foto) hat …", "(Photo: Reuters)",
# "(AP Photo/Jane Doe)", "(Bild: dpa)".
PHOTO_CREDIT = re.compile(
    r"""\s*[(\[](?:(?:foto|photo|bild|image|imagem|picture|pic|credit|crédito|фото)s?
        (?:\s*(?:[:/]|by|von|de)\s*[^()\[\]]{0,60})?
        |[^()\[\]]{0,40}\b(?:getty\s+images|ap\s+photo|shutterstock|afp\s+photo|reuters
            \s+photo|dpa|picture\s+alliance)\b[^()\[\]]{0,40})[)\]]""",
    re.IGNORECASE | re.VERBOSE,
)


def without_dateline(text: str) -> str:
    """*text* without a wire dateline at its start ("NEWARK, N.J. (AP) — The …")."""
    match = DATELINE.match(text)
    if not match or len(text) - match.end() < 20:
        return text
    return text[match.end() :]


def without_photo_credit(text: str) -> str:
    """*text* without a photo credit in parentheses: "Max Eberl (Foto) hat …"."""
    if "(" not in text and "[" not in text:
        return text
    return PHOTO_CREDIT.sub("", text)


def is_chrome(text: str) -> bool:
    """True when a whole block or sentence is page furniture, not story."""
    stripped = text.strip()
    if not stripped:
        return False
    if CHROME_ANY.match(stripped) or is_consent(stripped):
        return True
    if is_contact_footer(stripped):
        return True
    if len(stripped.split()) > SHORT_WORDS:
        return False
    if CHROME_SHORT.match(stripped):
        return True
    if ends_sentence(stripped) and not stripped.endswith(("…", "...")):
        return False  # a short sentence, not a label: "By Christmas, it had earned $5m."
    return bool(CHROME_LABEL.match(stripped) or _BYLINE.match(stripped))


def is_contact_footer(text: str) -> bool:
    """True for one sentence that asks for feedback at an e-mail address (``CONTACT_FOOTER``)."""
    if "@" not in text or _SENTENCE_END.search(text):
        return False  # most text; and a line of several sentences is judged by each
    return bool(_EMAIL.search(text) and CONTACT_FOOTER.search(text))


def is_consent(text: str) -> bool:
    """True for a sentence (or a button) of a cookie or consent banner."""
    stripped = text.strip()
    if len(stripped.split()) <= CONSENT_LABEL_WORDS and CONSENT_LABEL.match(stripped):
        return True
    if _SENTENCE_END.search(stripped):
        return False  # a line of several sentences is judged by each
    folded = stripped.casefold()
    if not any(hint in folded for hint in _CONSENT_HINTS):
        return False  # most text
    if CONSENT_SITE.match(stripped):
        return True
    if CONSENT_WE.match(stripped):
        return bool(_COOKIE_PURPOSE.search(stripped))
    if CONSENT_BY.match(stripped):
        return bool(_CONSENT_OBJECT.search(stripped))
    return bool(CONSENT_CHOICE.match(stripped) and _CONSENT_PLACE.search(stripped))


def is_tail_marker(text: str) -> bool:
    """True for a heading that starts the trailing furniture ("Related stories")."""
    stripped = text.strip()
    if len(stripped.split()) > TAIL_WORDS or (ends_sentence(stripped) and stripped[-1] != "…"):
        return False
    return bool(TAIL_MARKERS.match(stripped))


def strip_trailing_junk(text: str) -> str:
    """Remove "[…]", "Continue reading →", "The post … appeared first on …" from the end."""
    tail = text[-440:].casefold()
    if not any(hint in tail for hint in _JUNK_HINTS):
        return text  # most paragraphs: skip the regular expression
    previous = None
    while previous != text:
        previous = text
        text = TRAILING_JUNK.sub("", text).rstrip()
    return text


# A link that is a button of the page, by what it says it does when clicked: title="click
# to show contact info", "Klicken, um …", "clique para …", "cliquez pour …".
_UI_ACTION = re.compile(
    r"^\s*(?:click\s+(?:to|here\s+to)|klicken\s+(?:sie\s+)?(?:hier\s+)?um|klick\s+(?:hier\s+)?um"
    r"|clique\s+(?:aqui\s+)?para|cliquez\s+(?:ici\s+)?pour|haga\s+clic\s+para)\b",
    re.IGNORECASE,
)


def _stands_apart(el: lxml.html.HtmlElement) -> bool:
    """True for an element that no sentence runs through: "Nancy Barrera | show contact
    info", not "Please contact us at show contact info if you wish …" (a word in small
    letters before it or after it), whose sentence needs the words."""
    before = el.getprevious()
    parent = el.getparent()
    text = (before.tail if before is not None else parent.text if parent is not None else "") or ""
    last = text.split()[-1:] or [""]
    first = (el.tail or "").split()[:1] or [""]
    return not (last[0][:1].islower() or first[0][:1].islower())


def drop_furniture(root: lxml.html.HtmlElement) -> None:
    """Remove from *root*, in place, every element that is page furniture by its markup."""
    doomed = [el for el in root.iter() if _is_furniture(el)]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


def _is_furniture(el: lxml.html.HtmlElement) -> bool:
    if not isinstance(el.tag, str):
        return True  # comments and processing instructions
    if el.tag == "sup":
        return is_footnote_mark(el)
    if el.tag in FURNITURE_TAGS or CHROME_CLASS.search(el.get("class", "")):
        return True
    if is_consent_banner(el):
        return True
    if el.tag == "a" and _UI_ACTION.match(el.get("title", "") or "") and _stands_apart(el):
        return True  # a button of the page, not words of the story: "show contact info"
    return el.tag in ("ul", "ol") and link_share(el) > 0.5


def is_footnote_mark(el: lxml.html.HtmlElement) -> bool:
    """True for a superscript that marks a footnote ("[1]", "2", "*", a link), not one
    that is part of a word: "3<sup>rd</sup>", "M<sup>lle</sup>"."""
    text = el.text_content().strip()
    if el.find(".//a") is not None or not text:
        return True
    return bool(re.fullmatch(r"[\[(]?(?:\d{1,3}|[*†‡§¶]+|[ivx]{1,4})[\])]?", text))


def is_consent_banner(el: lxml.html.HtmlElement) -> bool:
    """True for a cookie or consent banner by its markup: its class or id, or a dialog
    labelled as one."""
    if CONSENT_MARKUP.search(el.get("class", "")) or CONSENT_MARKUP.search(el.get("id", "")):
        return True
    dialog = el.tag == "dialog" or el.get("role") in ("dialog", "alertdialog")
    return dialog and bool(_CONSENT_DIALOG.search(el.get("aria-label", "")))


def drop_consent_banners(root: lxml.html.HtmlElement) -> None:
    """Remove from *root*, in place, every cookie or consent banner (``is_consent_banner``)."""
    doomed = [el for el in root.iter() if isinstance(el.tag, str) and is_consent_banner(el)]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


def link_share(el: lxml.html.HtmlElement) -> float:
    """The share of *el*'s text that is link text (1.0 for an element without text)."""
    total = len(el.text_content().strip())
    if not total:
        return 1.0
    return sum(len(a.text_content().strip()) for a in el.iter("a")) / total
