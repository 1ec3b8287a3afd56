package io.fetchline.storage;

import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class ContentDispositionTests {

    static Stream<Arguments> headers() {
        return Stream.of(
                // RFC 6266 section 5 examples
                arguments("Attachment; filename=example.html", "example.html"),
                arguments("INLINE; FILENAME= \"an example.html\"", "an example.html"),
                arguments("attachment; filename*= UTF-8''%e2%82%ac%20rates", "€ rates"),
                arguments("attachment; filename=\"EURO rates\"; filename*=utf-8''%e2%82%ac%20rates", "€ rates"),
                // filename* preferred whatever the order
                arguments("attachment; filename*=UTF-8''%e2%82%ac%20rates.txt; filename=\"EURO rates.txt\"", "€ rates.txt"),
                arguments("attachment; filename*=ISO-8859-1''%A3%20rates.txt", "£ rates.txt"),
                arguments("attachment; filename*=iso-8859-1'en'%e4rger.txt", "ärger.txt"),
                arguments("attachment; filename*=UTF-8'en-US'report.pdf", "report.pdf"),
                arguments("attachment; filename*=Utf-8''a+b%2Bc.txt", "a+b+c.txt"),
                // quoted-strings
                arguments("attachment; filename=\"a\\\"b\\\\c.txt\"", "a\"b\\c.txt"),
                arguments("attachment; filename=\"a;b.txt\"; size=3", "a;b.txt"),
                arguments("attachment; filename=\"\\x.txt\"", "x.txt"),
                arguments("attachment;filename=\"no-space.txt\"", "no-space.txt"),
                arguments("attachment; filename = \"spaced.txt\" ; size=1", "spaced.txt"),
                // other dispositions and parameters
                arguments("inline; filename=page.html", "page.html"),
                arguments("form-data; name=\"upload\"; filename=\"photo.jpg\"", "photo.jpg"),
                arguments("attachment; size=123; creation-date=\"Wed, 12 Feb 1997 16:29:51 -0500\"; filename=dated.txt", "dated.txt"),
                arguments("attachment; name=\"filename=decoy.txt\"; filename=real.txt", "real.txt"),
                arguments("attachment; xfilename=decoy.html", null),
                arguments("attachment; filename=first.txt; filename=second.txt", "first.txt"),
                arguments("attachment; filename=unquoted name.txt", "unquoted name.txt"),
                arguments("attachment; filename=trailing.txt;", "trailing.txt"),
                // names are returned raw; the namer makes them safe
                arguments("attachment; filename=\"../../etc/passwd\"", "../../etc/passwd"),
                arguments("attachment; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd", "../../etc/passwd"),
                // absent or malformed
                arguments(null, null),
                arguments("", null),
                arguments("   ", null),
                arguments("attachment", null),
                arguments("attachment;", null),
                arguments("attachment; filename", null),
                arguments("attachment; filename=", null),
                arguments("attachment; filename=\"\"", null),
                arguments("attachment; filename=\"unterminated.txt", null),
                arguments("attachment; filename=\"escape at end\\", null),
                arguments("attachment; filename=\"quoted\" junk.txt", null),
                arguments("attachment; filename*=UTF-8''", null),
                arguments("attachment; filename*=UTF-8''%e2%82", null),
                arguments("attachment; filename*=UTF-8''%zz.txt", null),
                arguments("attachment; filename*=UTF-8''bad%2", null),
                arguments("attachment; filename*=UTF-8''%ff%fe.txt", null),
                arguments("attachment; filename*=''nocharset.txt", null),
                arguments("attachment; filename*=UTF-8'only-one-quote.txt", null),
                arguments("attachment; filename*=x-unknown''name.txt", null),
                arguments("attachment; filename*=UTF-8''raw space.txt", null),
                arguments("attachment; filename*=UTF-8''%e2%82%ac", "€"),
                // a malformed filename* falls back to filename
                arguments("attachment; filename*=UTF-8''%e2%82; filename=fallback.txt", "fallback.txt"),
                arguments("attachment; filename*=x-unknown''a.txt; filename=\"fallback.txt\"", "fallback.txt"),
                arguments("attachment; filename*=\"UTF-8''quoted.txt\"; filename=fallback.txt", "fallback.txt"),
                arguments("attachment; filename=fallback.txt; filename*=UTF-8''%", "fallback.txt"),
                arguments("attachment; filename*=UTF-8''ok.txt; filename=\"unterminated", "ok.txt"));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @MethodSource("headers")
    void extractsTheFileName(String header, String expected) {
        assertThat(ContentDisposition.filename(header)).isEqualTo(Optional.ofNullable(expected));
    }
}
