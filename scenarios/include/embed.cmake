# Writes every include/linux/**.h into a C++ table of (path, text) pairs: the
# headers modules compile against ship inside kmsim.
file(GLOB_RECURSE files RELATIVE ${DIR} ${DIR}/linux/*.h)
list(SORT files)
set(body "// Generated from scenarios/include/ by scenarios/include/embed.cmake. Do not edit.\n#include \"scenarios/kbuild.h\"\n\nnamespace kmsim::scenarios {\nconst std::vector<kernel_header>& kernel_headers()\n{\n    static const std::vector<kernel_header> table = {\n")
foreach(f ${files})
  file(READ ${DIR}/${f} text)
  string(APPEND body "        {\"${f}\", R\"KMS_EMBED(${text})KMS_EMBED\"},\n")
endforeach()
string(APPEND body "    };\n    return table;\n}\n}  // namespace kmsim::scenarios\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
