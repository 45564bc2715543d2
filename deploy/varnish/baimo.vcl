vcl 4.1;
# Baimo's front cache: Varnish in front of the app's gunicorn instances.
#
# It keeps only what the app marked shareable (Cache-Control with s-maxage, and Cache-Tags naming what the
# response shows: core/frontcache.py), and drops it when the app sends `BAN` with X-Ban-Tags on publish,
# unpublish or any change to what a page shows. The admin, previews, share links and anything with a
# session go straight to the app, never cached. The backends are declared in backends.vcl, which
# scripts/stack writes and this file includes: one `backend` per gunicorn, and a `vcl_init` that adds each
# to the round-robin director `app`.

import directors;
import std;

include "backends.vcl";

# Only the app's own hosts may ban; the stack runs them on this machine.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    set req.backend_hint = app.backend();

    if (req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(405, "Not allowed"));
        }
        # Tags are words of lowercase letters, digits, - and _, separated by spaces: nothing a regex reads.
        if (req.http.X-Ban-Tags !~ "^[a-z][a-z0-9_-]*( [a-z][a-z0-9_-]*)*$") {
            return (synth(400, "X-Ban-Tags must list cache tags"));
        }
        ban("obj.http.Cache-Tags ~ (^|\s)(" + regsuball(req.http.X-Ban-Tags, " ", "|") + ")(\s|$)");
        return (synth(200, "Banned"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # One cached copy per page and choice, whatever order a link gives the parameters in.
    set req.url = std.querysort(req.url);
    # Editors' pages, previews and the reader's preference switches: never from the cache, cookies kept.
    if (req.url ~ "^/(admin|preview|reading)(/|$)") {
        return (pass);
    }
    # Each script and the pinyin layer have their own address (?variant=zh-hans, ?pinyin=1). A reader
    # whose remembered choice the address lacks goes to the app, which sends them to its address with a
    # private 302 (reader/preferences.py: the same test, and the same addresses left out of it).
    if (req.url !~ "^/(api|static|media|sitemap|robots\.txt|healthz)" &&
        ((req.http.Cookie ~ "(^|;\s*)variant=zh-hans(;|$)" && req.url !~ "[?&]variant=") ||
         (req.http.Cookie ~ "(^|;\s*)pinyin=1(;|$)" && req.url !~ "[?&]pinyin="))) {
        return (pass);
    }
    # Everything else is the same for every reader: without cookies all share the cached copy.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_hash {
    hash_data(req.url);
    # One host serves the site; hashing it too would keep a copy per spelling of the host name.
    return (lookup);
}

sub vcl_backend_response {
    # Static files and image renditions carry content hashes and far-future lifetimes (WhiteNoise,
    # images/views.py): kept as they say, never banned, since a change gives them a new name.
    if (bereq.url ~ "^/(static|media/images/renditions)/") {
        if (beresp.status != 200) {
            set beresp.uncacheable = true;
            set beresp.ttl = 10s;
        }
        return (deliver);
    }
    # Keep only what the app said may be shared: a tagged response with s-maxage. Anything else, a
    # default TTL would have kept: mark it uncacheable for a while so requests for it go straight through.
    if (beresp.http.Cache-Control !~ "s-maxage=[1-9]" || beresp.http.Set-Cookie || !beresp.http.Cache-Tags) {
        set beresp.uncacheable = true;
        set beresp.ttl = 10s;
        return (deliver);
    }
    # A stale copy may serve for a moment while a fresh one is fetched, and longer if the app is down.
    set beresp.grace = 30s;
    # Pages, documents, feeds and sitemaps are kept compressed and sent so to every client that accepts
    # gzip (Varnish unzips for one that does not): a kept article page is a tenth of its size on the wire.
    if (beresp.http.Content-Type ~ "^(text/html|application/json|application/problem\+json|application/atom\+xml|application/xml|text/xml|text/plain)") {
        set beresp.do_gzip = true;
    }
    return (deliver);
}

sub vcl_deliver {
    # Browsers keep nothing (max-age=0 from the app); they need not see the tags either. A cached API
    # answer was counted against nobody's rate limit: its counts would mislead.
    unset resp.http.Cache-Tags;
    if (obj.hits > 0) {
        unset resp.http.RateLimit-Limit;
        unset resp.http.RateLimit-Remaining;
        unset resp.http.RateLimit-Reset;
    }
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    return (deliver);
}
