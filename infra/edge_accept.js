// Laurel's CloudFront Function (viewer request; infra/edge.py): the Accept header
// normalised to the one value the app's content negotiation would pick, so the cached
// behaviours hold a few entries per URL instead of one per browser's Accept string.
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

function handler(event) {
    var request = event.request;
    var accept = request.headers.accept ? request.headers.accept.value : '';
    request.headers.accept = {value: normalised(request.uri, accept)};
    return request;
}

