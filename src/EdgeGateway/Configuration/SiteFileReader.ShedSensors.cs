using YamlDotNet.RepresentationModel;

namespace EdgeGateway.Configuration;

// The shed's own sensors: `shedSensors:` (DS18B20 thermometers on the 1-Wire bus and the smoke detector input).
internal sealed partial class SiteFileReader
{
    private static readonly string[] ShedSensorKeys = ["thermometers", "smoke"];
    private static readonly string[] ThermometerKeys = ["id", "deviceId"];
    private static readonly string[] SmokeKeys = ["gpio", "activeLow"];

    private ShedSensorSettings ReadShedSensors(MappingReader root, BoardSettings board)
    {
        MappingReader m = root.Mapping("shedSensors", required: false, ShedSensorKeys);
        var thermometers = new List<ThermometerDefinition>();
        var idLines = new Dictionary<string, int>(StringComparer.Ordinal);
        var deviceIdLines = new Dictionary<string, int>(StringComparer.Ordinal);
        IReadOnlyList<YamlNode> items = m.List("thermometers");
        for (int i = 0; i < items.Count; i++)
        {
            YamlNode item = items[i];
            var t = MappingReader.Read(_problems, item, ItemPath(m.Name("thermometers"), item, i), YamlText.LineOf(item), ThermometerKeys);
            string? id = t.String("id", required: true, IdPattern(), IdRule);
            string? deviceId = t.String("deviceId", required: true, DeviceIdPattern(), "a DS18B20's kernel id is '28-' and 12 lower-case hex digits, as listed in /sys/bus/w1/devices");
            bool idOk = id is null || Register(idLines, id, t.Line, "thermometer id");
            bool deviceOk = deviceId is null || Register(deviceIdLines, deviceId, t.LineOf("deviceId"), "thermometer deviceId");

            // Sensor ids and DS18B20s are unique across the shed and the bins too (checked with the bins').
            if (id is not null && idOk)
            {
                _sensorIdClaims.Add(new Claim<string>(id, $"shed thermometer {id}", t.Line));
            }

            if (deviceId is not null && deviceOk)
            {
                _deviceIdClaims.Add(new Claim<string>(deviceId, $"shed thermometer {id ?? t.Path}", t.LineOf("deviceId")));
            }

            if (id is not null && deviceId is not null && idOk && deviceOk)
            {
                thermometers.Add(new ThermometerDefinition(id, deviceId, t.Line));
            }
        }

        if (items.Count > 0 && board.OneWirePin is null && !MappingHasValue(root, "board", "oneWirePin"))
        {
            _problems.Add(m.LineOf("thermometers"), $"{m.Name("thermometers")}: DS18B20 thermometers need the 1-Wire bus, but board.oneWirePin is null");
        }

        SmokeInput? smoke = null;
        MappingReader s = m.Mapping("smoke", required: false, SmokeKeys);
        if (s.IsPresent)
        {
            int? gpio = s.Int("gpio", required: true, 0, RaspberryPiPins.MaxHeaderGpio, GpioUnit);
            bool activeLow = s.Bool("activeLow") ?? false;
            if (gpio is not null)
            {
                _gpioClaims.Add(new Claim<int>(gpio.Value, "smoke detector input", s.LineOf("gpio")));
                smoke = new SmokeInput(gpio.Value, activeLow, s.Line);
            }
        }

        return new ShedSensorSettings { Thermometers = thermometers, Smoke = smoke };
    }
}
