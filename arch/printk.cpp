// arch/printk.cpp - vsprintf for printk records, through fmt's printf.
#include "arch/printk.h"

#include <fmt/printf.h>

#include <cctype>
#include <cstring>

namespace kmsim::arch {

std::string vsprintf_record(std::string_view format, printk_args args, pointer_extension gfp_names,
                            log_level& level)
{
    level = log_level::warning;  // MESSAGE_LOGLEVEL_DEFAULT
    // vprintk_store() formats into at most PRINTKRB_RECORD_MAX (1024) bytes,
    // terminating NUL and level prefix included.
    std::size_t record_max = 1023;
    if (format.size() >= 2 && format[0] == '\001') {
        if (format[1] >= '0' && format[1] <= '7')
            level = static_cast<log_level>(format[1] - '0');
        format.remove_prefix(2);
        record_max -= 2;
    }
    std::string out;
    std::size_t argi = 1;  // argument 0 is the format
    auto next_value = [&]() -> std::uint64_t { return argi < args.v.size() ? args.v[argi++] : 0; };
    for (std::size_t i = 0; i < format.size(); ++i) {
        const char c = format[i];
        if (c != '%') {
            out += c;
            continue;
        }
        if (i + 1 < format.size() && format[i + 1] == '%') {
            out += '%';
            ++i;
            continue;
        }
        // %[flags][width][length]conversion. kmsim keeps the flags '-', '0'
        // and '#', and takes every value as 64 bits (length modifiers are
        // read and dropped).
        std::string spec = "%";
        std::size_t j = i + 1;
        // (strchr() would take a NUL for a flag too: kmsim always has, and
        // keeps the NUL out of the spec.)
        while (j < format.size() && std::strchr("-0#+ ", format[j])) {
            const char f = format[j++];
            if ((f == '-' || f == '0' || f == '#') && spec.find(f) == std::string::npos)
                spec += f;
        }
        std::string width;
        while (j < format.size() && std::isdigit(static_cast<unsigned char>(format[j])))
            width += format[j++];
        if (width.size() > 4 || (width.size() == 4 && width > "1024"))
            width = "1024";  // the record holds no more; the parser refused widths vsnprintf cannot hold
        spec += width;
        while (j < format.size() && std::strchr("lhzt", format[j]))
            ++j;
        if (j >= format.size()) {
            out += format.substr(i);
            break;
        }
        const char conv = format[j];
        switch (conv) {
        case 'd': case 'i':
            out += fmt::sprintf(spec + "d", static_cast<std::int64_t>(next_value()));
            break;
        case 'u': case 'x': case 'X':
            out += fmt::sprintf(spec + conv, next_value());
            break;
        case 'c':
            out += static_cast<char>(next_value());
            break;
        case 's':
            if (argi < args.text.size() && args.text[argi])
                out += *args.text[argi++];
            else
                out += "(efault)";
            break;
        case 'p':
            if (format.compare(j, 3, "pGg") == 0) {
                out += gfp_names("Gg", next_value());
                j += 2;
            } else {
                if (j + 1 < format.size() && format[j + 1] == 'x')
                    ++j;  // %px: the raw value, as kmsim never hashes pointers
                out += fmt::format("{:016x}", next_value());
            }
            break;
        default:
            out += format.substr(i, j - i + 1);
        }
        i = j;
        if (out.size() > record_max)
            break;
    }
    if (out.size() > record_max)
        out.resize(record_max);
    if (!out.empty() && out.back() == '\n')
        out.pop_back();
    return out;
}

}  // namespace kmsim::arch
