# Writes scenarios/html/timeline.{css,js} into C++ string constants (scenarios/html.cpp's).
file(READ ${DIR}/timeline.css css)
file(READ ${DIR}/timeline.js js)
set(body "// Generated from scenarios/html/timeline.{css,js} by scenarios/html/embed.cmake. Do not edit.\nnamespace kmsim::scenarios {\nextern const char* const html_timeline_css = R\"KMS_EMBED(${css})KMS_EMBED\";\nextern const char* const html_timeline_js = R\"KMS_EMBED(${js})KMS_EMBED\";\n}  // namespace kmsim::scenarios\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
