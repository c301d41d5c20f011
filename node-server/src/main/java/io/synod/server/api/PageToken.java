package io.synod.server.api;

import io.synod.transport.http.HttpError;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The continuation token of a paged listing: the last key of the page, base64url without
 * padding, so any key travels safely in a query string. Clients treat it as opaque.
 */
final class PageToken {
  private PageToken() {}

  static String encode(String lastKey) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(lastKey.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The key a token names.
   *
   * @param token the {@code after} parameter, or {@code null}
   * @return the key, or {@code null} for the first page
   * @throws HttpError 400 when the token is not one this API gave out
   */
  static String decode(String token) {
    if (token == null || token.isEmpty()) {
      return null;
    }
    try {
      byte[] bytes = Base64.getUrlDecoder().decode(token);
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (IllegalArgumentException | CharacterCodingException e) {
      throw new HttpError(400, "invalid_request",
          "after must be the 'next' token of a previous page");
    }
  }
}
