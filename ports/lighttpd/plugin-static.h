/* ports/lighttpd/plugin-static.h: the modules linked into Warp's static lighttpd.
 *
 * lighttpd built with LIGHTTPD_STATIC includes this file (src/plugin.c) to declare each module's
 * init function and to build the table server.modules names are looked up in. Only what serving a
 * static site needs: no CGI, proxies, WebDAV or compression (no zlib, no fork/exec in Warp yet).
 * A module missing here makes lighttpd refuse a config that loads it. */
PLUGIN_INIT(mod_access)     /* url.access-deny: refuse paths by suffix (e.g. "~", ".inc") */
PLUGIN_INIT(mod_alias)      /* alias.url: map a URL prefix onto another directory */
PLUGIN_INIT(mod_dirlisting) /* dir-listing.activate: HTML listings of directories without an index */
PLUGIN_INIT(mod_expire)     /* expire.url: Expires and Cache-Control max-age headers */
PLUGIN_INIT(mod_indexfile)  /* index-file.names: a directory's index.html */
PLUGIN_INIT(mod_setenv)     /* setenv.add-response-header: extra response headers */
PLUGIN_INIT(mod_staticfile) /* files from server.document-root (lighttpd loads it by default) */
