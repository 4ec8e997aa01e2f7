using System.Net.Http.Headers;
using System.Text;
using EdgeGateway.Testing.Http;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Mqtt.Tests.Testing;

/// <summary>The shared HTTP receiver: what it records of a request, what it answers, and the two clocks it stamps.</summary>
public sealed class LoopbackReceiverTests
{
    [Fact]
    public async Task A_receiver_on_a_fake_clock_stamps_the_fake_time_and_the_wall_clock_arrival()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 11, 30, 0, TimeSpan.Zero));
        await using LoopbackReceiver receiver = await LoopbackReceiver.StartAsync(clock);
        using var http = new HttpClient();

        DateTimeOffset before = DateTimeOffset.UtcNow;
        using HttpResponseMessage response = await http.PostAsync(receiver.Url("/hook"), new StringContent("{}"));
        DateTimeOffset after = DateTimeOffset.UtcNow;

        ReceivedRequest request = Assert.Single(receiver.Requests);
        Assert.Equal(clock.GetUtcNow(), request.ReceivedAt);
        Assert.InRange(request.ArrivedAt, before, after);
    }

    [Fact]
    public async Task A_receiver_records_each_request_and_answers_what_the_test_chose()
    {
        await using LoopbackReceiver receiver = await LoopbackReceiver.StartAsync();
        receiver.Answer(request => request.NthOnPath == 1 ? new ReceiverReply(503, """{"busy":true}""") : ReceiverReply.Ok);
        using var http = new HttpClient();

        using var content = new StringContent("""{"alarm":"a-1"}""", Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        using HttpResponseMessage first = await http.PostAsync(receiver.Url("/send?key=K1"), content);
        using HttpResponseMessage second = await http.PostAsync(receiver.Url("/send?key=K1"), new StringContent("{}"));

        Assert.Equal(503, (int)first.StatusCode);
        Assert.Equal(200, (int)second.StatusCode);
        ReceivedRequest request = receiver.On("/send")[0];
        Assert.Equal(1, request.NthOnPath);
        Assert.Equal("POST", request.Method);
        Assert.Equal("?key=K1", request.QueryString);
        Assert.Equal("K1", request.Query["key"]);
        Assert.StartsWith("application/json", request.Headers["content-type"]);
        Assert.Equal("a-1", request.Json.GetProperty("alarm").GetString());
        Assert.Equal(2, receiver.On("/send")[1].NthOnPath);
        Assert.Equal(request.ReceivedAt, request.ArrivedAt, TimeSpan.FromSeconds(1)); // both the wall clock here
    }
}
