//! Where a document comes from: URL or bare domain → host, and matching a host against the
//! domains a rule is scoped to. No `url` crate: we need the host and nothing else.

use unicode_normalization::char::is_combining_mark;

/// The lowercased host of a URL (`https://www.Example.com:8080/x?y` → `www.example.com`) or a
/// bare domain (`example.com` → `example.com`). `None` when there is no host (empty string,
/// `file:///x`, whitespace inside).
///
/// Accepts `scheme://[user@]host[:port][/path][?query][#fragment]`, `//host…` and bare
/// `host[:port][/path…]`. Whitespace around the whole string is ignored. A trailing dot
/// (`example.com.`) is dropped. An IPv6 literal (`http://[::1]:8080/`) gives the address
/// without brackets (`::1`), which matches no domain but its own.
pub fn domain_of(url_or_domain: &str) -> Option<String> {
    let s = url_or_domain.trim();
    if s.is_empty() || s.contains(char::is_whitespace) {
        return None;
    }
    // A `://` after something that is not a scheme belongs to a bare domain's path
    // (`example.com/go?to=https://x`).
    let rest = match s.split_once("://") {
        Some((scheme, rest)) if is_scheme(scheme) => rest,
        _ => s.strip_prefix("//").unwrap_or(s),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // The host follows the last `@`: a password may contain `@`, a host may not.
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        let (addr, _port) = v6.split_once(']')?;
        if !addr.contains(':')
            || !addr
                .chars()
                .all(|c| c.is_ascii_hexdigit() || ".:".contains(c))
        {
            return None;
        }
        addr
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() {
        return None;
    }
    Some(host.to_lowercase())
}

/// `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` (RFC 3986).
fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// `true` when `host` is `domain` or one of its subdomains (`www.example.com` matches
/// `example.com`; `badexample.com` does not). Both are lowercase.
pub(crate) fn host_matches(host: &str, domain: &str) -> bool {
    if domain.is_empty() {
        return false;
    }
    match host.strip_suffix(domain) {
        Some("") => true,
        // The label boundary is what keeps `badexample.com` out.
        Some(sub) => sub.ends_with('.'),
        None => false,
    }
}

/// A well-formed domain for `sources`: lowercase labels of `[a-z0-9-]` (or non-ASCII letters),
/// separated by dots, at least one dot, no empty label, no leading/trailing hyphen in a label.
pub(crate) fn is_valid_domain(domain: &str) -> bool {
    domain.contains('.') && domain.split('.').all(is_valid_label)
}

fn is_valid_label(label: &str) -> bool {
    let ok_char = |c: char| {
        c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || c == '-'
            // Non-ASCII: letters, digits and the combining marks many scripts need (Devanagari
            // virama), but not uppercase.
            || (!c.is_ascii()
                && (c.is_alphanumeric() || is_combining_mark(c))
                && !c.is_uppercase())
    };
    !label.is_empty()
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(ok_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(s: &str) -> Option<String> {
        domain_of(s)
    }

    #[test]
    fn domain_of_urls() {
        let h = |s| host(s).expect("a host");
        assert_eq!(h("https://www.Example.com:8080/x?y"), "www.example.com");
        assert_eq!(h("http://example.com"), "example.com");
        assert_eq!(h("HTTPS://EXAMPLE.COM/"), "example.com");
        assert_eq!(
            h("https://user:p@ss@news.example.org/a"),
            "news.example.org"
        );
        assert_eq!(h("https://example.com?q=1"), "example.com");
        assert_eq!(h("https://example.com#top"), "example.com");
        assert_eq!(h("https://example.com./a"), "example.com");
        assert_eq!(h("//cdn.example.com/x.js"), "cdn.example.com");
        assert_eq!(h("git+ssh://git@example.com/repo"), "example.com");
        assert_eq!(h("https://пример.РФ/новости"), "пример.рф");
    }

    #[test]
    fn domain_of_bare_domains() {
        let h = |s| host(s).expect("a host");
        assert_eq!(h("example.com"), "example.com");
        assert_eq!(h("Example.COM."), "example.com");
        assert_eq!(h("example.com/path/page.html"), "example.com");
        assert_eq!(h("example.com:443"), "example.com");
        assert_eq!(h("example.com/go?to=https://other.net"), "example.com");
        assert_eq!(
            h("  example.com\n"),
            "example.com",
            "outer whitespace is ignored"
        );
        assert_eq!(h("localhost"), "localhost");
    }

    #[test]
    fn domain_of_ipv6() {
        assert_eq!(host("http://[::1]:8080/x").as_deref(), Some("::1"));
        assert_eq!(host("[2001:DB8::1]").as_deref(), Some("2001:db8::1"));
        assert_eq!(host("http://[::1/x"), None);
        assert_eq!(host("http://[nothex]/"), None);
    }

    #[test]
    fn domain_of_no_host() {
        for s in [
            "",
            "   ",
            "file:///etc/passwd",
            "https://",
            "https:///x",
            "https://user@/x",
            "https://:8080/",
            "/just/a/path",
            "?q",
            ".",
            "exa mple.com",
            "https://example.com/a b",
        ] {
            assert_eq!(host(s), None, "{s:?}");
        }
    }

    #[test]
    fn host_matches_domain_and_subdomains() {
        assert!(host_matches("example.com", "example.com"));
        assert!(host_matches("www.example.com", "example.com"));
        assert!(host_matches("a.b.example.com", "example.com"));
        assert!(!host_matches("badexample.com", "example.com"));
        assert!(!host_matches("example.com", "www.example.com"));
        assert!(!host_matches("example.com.evil.net", "example.com"));
        assert!(!host_matches("com", "example.com"));
        assert!(!host_matches("example.com", ""));
    }

    #[test]
    fn valid_domains() {
        for d in [
            "example.com",
            "www.example-news.co.uk",
            "a1.b2",
            "xn--e1afmkfd.xn--p1ai",
            "пример.рф",
            "हिन्दी.भारत",
        ] {
            assert!(is_valid_domain(d), "{d:?}");
        }
        for d in [
            "",
            "com",
            "Example.com",
            "ПРИМЕР.рф",
            "example..com",
            ".example.com",
            "example.com.",
            "-example.com",
            "example-.com",
            "exa_mple.com",
            "exa mple.com",
            "https://example.com",
            "example.com/x",
        ] {
            assert!(!is_valid_domain(d), "{d:?}");
        }
    }
}
