package tollgate.serve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.security.sasl.AuthenticationException;
import org.apache.hive.service.auth.AuthenticationProviderFactory;
import org.apache.hive.service.auth.AuthenticationProviderFactory.AuthMethods;
import org.apache.hive.service.auth.PasswdAuthenticationProvider;

/**
 * HiveServer2's CUSTOM authentication for `tollgate serve`: a login is a line of the password
 * file named by the JVM system property FILE_PROPERTY, `user:pbkdf2_sha256$iterations$salt$hash`
 * (hex; written by `tollgate serve --add-user`, jobs/analysts/passwords.py). The file is read at
 * every login, so a changed password needs no restart, and it is refused unless only its owner
 * can read it (mode 0600). An unknown user costs the same hashing time as a wrong password.
 */
public final class PasswordFileAuthenticator implements PasswdAuthenticationProvider {

  public static final String FILE_PROPERTY = "tollgate.serve.passwordFile";
  private static final String SCHEME = "pbkdf2_sha256";
  private static final int MAX_ITERATIONS = 10_000_000;
  private static final String STAND_IN =
      SCHEME + "$600000$00000000000000000000000000000000$"
          + "0000000000000000000000000000000000000000000000000000000000000000";
  private static final Set<PosixFilePermission> OWNER_ONLY =
      Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  @Override
  public void Authenticate(String user, String password) throws AuthenticationException {
    String record = records().get(user == null ? "" : user);
    boolean matches = matches(record == null ? STAND_IN : record, password == null ? "" : password);
    if (record == null || !matches) {
      throw new AuthenticationException("tollgate serve: wrong user name or password");
    }
  }

  /**
   * `java ... tollgate.serve.PasswordFileAuthenticator FILE USER < password`: prints `ok` or
   * `refused`, the check a login gets, without a server (for tests and for the person who set it
   * up). It goes the way HiveServer2 goes: CUSTOM authentication, the class named by a system
   * property, found and made by Hive's own factory.
   */
  public static void main(String[] args) throws Exception {
    System.setProperty(FILE_PROPERTY, args[0]);
    System.setProperty("hive.server2.custom.authentication.class", PasswordFileAuthenticator.class.getName());
    String password = new String(System.in.readAllBytes(), StandardCharsets.UTF_8).replaceFirst("\\R\\z", "");
    try {
      AuthenticationProviderFactory.getAuthenticationProvider(AuthMethods.CUSTOM).Authenticate(args[1], password);
      System.out.println("ok");
    } catch (AuthenticationException refusal) {
      System.out.println("refused");
    }
  }

  private static Map<String, String> records() throws AuthenticationException {
    String named = System.getProperty(FILE_PROPERTY, "");
    if (named.isEmpty()) {
      throw new AuthenticationException("tollgate serve: no password file configured");
    }
    Path file = Path.of(named);
    try {
      if (!OWNER_ONLY.containsAll(Files.getPosixFilePermissions(file))) {
        throw new AuthenticationException("tollgate serve: the password file must be mode 0600");
      }
      Map<String, String> records = new HashMap<>();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String trimmed = line.strip();
        int colon = trimmed.indexOf(':');
        if (!trimmed.isEmpty() && !trimmed.startsWith("#") && colon > 0) {
          records.put(trimmed.substring(0, colon), trimmed.substring(colon + 1));
        }
      }
      return records;
    } catch (IOException error) {
      throw new AuthenticationException("tollgate serve: the password file cannot be read");
    }
  }

  private static boolean matches(String record, String password) {
    String[] fields = record.split("\\$");
    if (fields.length != 4 || !fields[0].equals(SCHEME)) {
      return false;
    }
    try {
      int iterations = Integer.parseInt(fields[1]);
      if (iterations < 1 || iterations > MAX_ITERATIONS) {
        return false;
      }
      byte[] salt = HexFormat.of().parseHex(fields[2]);
      byte[] expected = HexFormat.of().parseHex(fields[3]);
      // SunJCE's PBKDF2 encodes the password's chars as UTF-8, as Python's side does.
      PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, expected.length * 8);
      byte[] actual = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
      spec.clearPassword();
      return MessageDigest.isEqual(actual, expected);
    } catch (GeneralSecurityException | RuntimeException error) {
      return false;
    }
  }
}
