// Laurel's CloudFront Function (viewer request; infra/edge.py): the Accept header
// normalised to the one value the app's content negotiation would pick, so the cached
// behaviours hold a few entries per URL instead of one per browser's Accept string; and
// the Accept-Language header normalised to the one shipped language the app would pick
// (issue 19: the pages answer in the visitor's language), for the same reason.
//
// Ported from chalicelib/openbadges/media.py `preferred` (RFC 9110 §12.5.1: an offer takes
// the quality of the most specific range matching it; ties go to the more specific match,
// then to the earlier offer; nothing acceptable: the first offer) and from
// chalicelib/routes/public.py (which URL offers what). tests/infra/test_edge.py runs this
// file under node and checks it against the Python for a corpus of Accept headers.

var PAGE_OFFERS = ['text/html', 'application/ld+json', 'application/vc+ld+json', 'application/vc+jwt',
    'application/json'];
var JSON_OFFERS = ['application/json', 'application/ld+json', 'application/vc+ld+json', 'application/vc+jwt'];

function quality(value) {
    // Python's float(): surrounding blanks allowed, otherwise a plain decimal number;
    // anything else makes the range unacceptable (q=0), as media.py does.
    var text = value.trim();
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
        return 0;
    }
    return Math.max(0, Math.min(1, parseFloat(text)));
}

function ranges(accept) {
    var out = [];
    var parts = accept.split(',');
    for (var i = 0; i < parts.length; i++) {
        var fields = parts[i].split(';');
        var media = fields[0].trim().toLowerCase();
        var slash = media.indexOf('/');
        if (slash < 0) {
            continue;
        }
        var q = 1;
        for (var j = 1; j < fields.length; j++) {
            var eq = fields[j].indexOf('=');
            var name = (eq < 0 ? fields[j] : fields[j].substring(0, eq)).trim().toLowerCase();
            if (name === 'q') {
                q = quality(eq < 0 ? '' : fields[j].substring(eq + 1));
            }
        }
        out.push([media.substring(0, slash), media.substring(slash + 1), q]);
    }
    return out;
}

function preferred(accept, offered) {
    var rs = ranges(accept || '');
    var best = offered[0];
    var bestQ = 0;
    var bestSpec = -1;
    for (var i = 0; i < offered.length; i++) {
        var slash = offered[i].indexOf('/');
        var kind = offered[i].substring(0, slash);
        var sub = offered[i].substring(slash + 1);
        var spec = -1;
        var q = 0;
        for (var j = 0; j < rs.length; j++) {
            var s;
            if (rs[j][0] === kind && rs[j][1] === sub) {
                s = 2;
            } else if (rs[j][0] === kind && rs[j][1] === '*') {
                s = 1;
            } else if (rs[j][0] === '*' && rs[j][1] === '*') {
                s = 0;
            } else {
                continue;
            }
            if (s > spec) {
                spec = s;
                q = rs[j][2];
            }
        }
        if (spec < 0 || q <= 0) {
            continue;
        }
        if (q > bestQ || (q === bestQ && spec > bestSpec)) {
            best = offered[i];
            bestQ = q;
            bestSpec = spec;
        }
    }
    return best;
}

function normalised(uri, accept) {
    if (uri.indexOf('/badges/') === 0) {
        // /badges/{id}.json offers the JSON forms only (public.py `_representation`)
        var offers = /\.json$/.test(uri) ? JSON_OFFERS : PAGE_OFFERS;
        return preferred(accept, offers);
    }
    if (uri.indexOf('/ob/v3/credentials/') === 0) {
        // public.py `ob3_credential`: the VC-JWT when the Accept header names it anywhere
        return accept.indexOf('application/vc+jwt') >= 0 ? 'application/vc+jwt' : 'application/vc+ld+json';
    }
    return '*/*'; // the other cached documents answer the same whatever is asked
}

// ---------------------------------------------------------------- Accept-Language
// Ported from chalicelib/i18n.py `from_accept_language` and `best` (RFC 9110 §12.5.4: ranges
// by `q`, highest first, ties in the header's order; q=0 or a weight Python's float() cannot
// read: not acceptable; `*`: English; fr-CA -> fr, pt -> pt-BR, a language without a catalog
// is skipped; nothing found: English). The value is the tag `<html lang>` shows (pt-BR).
// tests/infra/test_edge.py runs this under node against the Python for a corpus of headers.

var SHIPPED = {'en': 'en', 'es': 'es', 'fr': 'fr', 'de': 'de', 'pt_BR': 'pt-BR', 'ja': 'ja'};
var BY_LANGUAGE = {'en': 'en', 'es': 'es', 'fr': 'fr', 'de': 'de', 'pt': 'pt-BR', 'ja': 'ja'};
var DEFAULT_LANGUAGE = 'en';
var TAG = /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$/;
// what Python's float() reads: a decimal number (digits may be grouped by single underscores), inf, nan
var DIGITS = '\\d(?:_?\\d)*';
var PY_FLOAT = new RegExp('^[+-]?(?:(?:' + DIGITS + '(?:\\.(?:' + DIGITS + ')?)?|\\.' + DIGITS + ')(?:[eE][+-]?'
    + DIGITS + ')?|inf|infinity|nan)$', 'i');

function pyFloat(value) {
    var text = value.trim();
    if (!PY_FLOAT.test(text)) {
        return 0; // Python: ValueError, the weight counts as 0
    }
    var lower = text.toLowerCase().replace(/^[+]/, '');
    if (/^-?inf/.test(lower)) {
        return lower.charAt(0) === '-' ? -Infinity : Infinity;
    }
    return parseFloat(text.replace(/_/g, '')); // nan: NaN, never > 0
}

function shippedFor(tag) {
    if (!tag || tag.length > 35 || !TAG.test(tag)) {
        return null;
    }
    var parts = tag.replace(/_/g, '-').split('-');
    var language = parts[0].toLowerCase();
    if (parts.length > 1) {
        var exact = language + '_' + parts[1].toUpperCase();
        if (SHIPPED.hasOwnProperty(exact)) {
            return SHIPPED[exact];
        }
    }
    return BY_LANGUAGE.hasOwnProperty(language) ? BY_LANGUAGE[language] : null;
}

function language(header) {
    var ranked = [];
    var parts = (header || '').split(',');
    for (var i = 0; i < parts.length; i++) {
        var fields = parts[i].trim().split(';');
        var tag = fields[0].trim();
        var weight = 1;
        for (var j = 1; j < fields.length; j++) {
            var param = fields[j].trim();
            var eq = param.indexOf('=');
            var name = eq < 0 ? param : param.substring(0, eq);
            if (name.trim().toLowerCase() === 'q') {
                weight = pyFloat(eq < 0 ? '' : param.substring(eq + 1));
            }
        }
        if (tag && weight > 0) {
            ranked.push([weight, i, tag]);
        }
    }
    ranked.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
    for (var k = 0; k < ranked.length; k++) {
        if (ranked[k][2] === '*') {
            return DEFAULT_LANGUAGE;
        }
        var found = shippedFor(ranked[k][2]);
        if (found) {
            return found;
        }
    }
    return DEFAULT_LANGUAGE;
}

function handler(event) {
    var request = event.request;
    var accept = request.headers.accept ? request.headers.accept.value : '';
    request.headers.accept = {value: normalised(request.uri, accept)};
    var languages = request.headers['accept-language'] ? request.headers['accept-language'].value : '';
    request.headers['accept-language'] = {value: language(languages)};
    return request;
}

