namespace EdgeGateway.Configuration;

// The broker the gateway publishes to: `mqtt:`.
internal sealed partial class SiteFileReader
{
    private static readonly string[] MqttKeys = ["broker", "caFile", "username", "passwordFile", "passwordEnvironmentVariable", "clientCertificateFile", "clientKeyFile", "commandMaxAgeSeconds"];

    private MqttSiteSettings? ReadMqtt(MappingReader root)
    {
        MappingReader m = root.Mapping("mqtt", required: false, MqttKeys);
        if (!m.IsPresent)
        {
            return null;
        }

        string? broker = m.String("broker", required: true);
        string? caFile = m.String("caFile", required: false);
        string? username = m.String("username", required: false);
        string? passwordFile = m.String("passwordFile", required: false);
        string? passwordVariable = m.String("passwordEnvironmentVariable", required: false);
        string? certificate = m.String("clientCertificateFile", required: false);
        string? key = m.String("clientKeyFile", required: false);
        int? commandMaxAge = m.Int("commandMaxAgeSeconds", required: false, 10, 86_400, "seconds");
        if (broker is null)
        {
            return null;
        }

        int line = m.LineOf("broker");
        bool special = broker is "embedded" or "none";
        if (!special && !(Uri.TryCreate(broker, UriKind.Absolute, out Uri? uri) && uri.Scheme is "mqtt" or "mqtts" && !uri.IsDefaultPort))
        {
            _problems.Add(line, $"mqtt.broker: '{broker}' is not embedded, none, mqtts://host:port or mqtt://127.0.0.1:port");
            return null;
        }

        if (!special)
        {
            var target = new Uri(broker);
            if (target.Scheme == "mqtt" && !target.IsLoopback)
            {
                _problems.Add(line, $"mqtt.broker: plain MQTT to {target.Host} would send credentials and alarms in clear: use mqtts:// (TLS) for any broker off this machine");
            }

            if (target.Scheme == "mqtts" && caFile is null)
            {
                _problems.Add(line, $"mqtt.broker: mqtts needs caFile, the CA that signs the broker's certificate");
            }

            if (!target.IsLoopback && username is null && certificate is null)
            {
                _problems.Add(line, $"mqtt: a broker off this machine ({target.Host}) needs the gateway's credentials: username with passwordFile or passwordEnvironmentVariable, or clientCertificateFile and clientKeyFile");
            }
        }

        if (username is not null && passwordFile is null && passwordVariable is null)
        {
            _problems.Add(m.LineOf("username"), $"mqtt.username: say where the password is (passwordFile or passwordEnvironmentVariable); it is never written in the site file");
        }

        if ((certificate is null) != (key is null))
        {
            _problems.Add(m.LineOf(certificate is null ? "clientKeyFile" : "clientCertificateFile"), $"mqtt: clientCertificateFile and clientKeyFile go together");
        }

        return new MqttSiteSettings
        {
            Broker = broker,
            CaFile = caFile,
            Username = username,
            PasswordFile = passwordFile,
            PasswordEnvironmentVariable = passwordVariable,
            ClientCertificateFile = certificate,
            ClientKeyFile = key,
            Line = m.Line,
            CommandMaxAgeSeconds = commandMaxAge ?? MqttSiteSettings.DefaultCommandMaxAgeSeconds,
        };
    }
}
