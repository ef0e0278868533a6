package io.uploadgateway.problem;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** docs/api.md's error table is the catalogue, row for row: code, status and meaning. */
class ErrorCatalogueDocTest {

    private static final Pattern ROW = Pattern.compile("^\\| `([a-z_]+)` \\| (\\d{3}) \\| (.+) \\|$");

    @Test
    void theApiDocumentListsExactlyTheCatalogue() throws Exception {
        List<String> documented = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("docs/api.md"))) {
            Matcher row = ROW.matcher(line);
            if (row.matches()) {
                documented.add(row.group(1) + " " + row.group(2) + " " + row.group(3));
            }
        }
        List<String> catalogue = Arrays.stream(ErrorCode.values())
                .map(code -> code.code() + " " + code.status() + " " + code.meaning()).toList();
        assertEquals(String.join("\n", catalogue), String.join("\n", documented),
                "docs/api.md's error table differs from ErrorCode");
    }
}
