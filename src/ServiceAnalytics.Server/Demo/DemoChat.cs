using ServiceAnalytics.Contracts.Ingest.V1;

namespace ServiceAnalytics.Server.Demo;

/// <summary>
/// How one demo chat goes, drawn from its own random generator: started by the seller (4 %), or by a customer
/// who is greeted (by the assistant, or automatically under an agent's account), gets an off-hours reply outside
/// business hours, and then either sends only a message that expects no reply (3 %), is solved by the assistant
/// (an FAQ card or an assistant resolution, 22 %; a fifth of them ask for a human after all), or is assigned to an
/// agent who answers on time, late (7 %) or never (6 %), sometimes after a transfer (12 %). Ratings, re-ratings,
/// orders inside and outside the 7 days, orders placed during the chat, cancellations and refunds follow.
/// Times are the shop's local times; nothing here depends on which facts are due yet.
/// </summary>
internal static class DemoChat
{
    private static readonly EntryPoint[] s_entryPoints =
        [EntryPoint.ProductPage, EntryPoint.ProductPage, EntryPoint.ProductPage, EntryPoint.OrderPage, EntryPoint.OrderPage, EntryPoint.ShopPage, EntryPoint.Live, EntryPoint.Inbox];

    /// <summary>The account the shop's automatic greetings and off-hours replies are sent under when an agent's.</summary>
    private const string ShopAccount = "agent-ana";

    /// <param name="nightOwl">A chat of the last quarter hour of the day that goes to a human (answered next morning).</param>
    public static void Write(ChatFacts chat, DateTime start, Random random, bool nightOwl)
    {
        var customer = $"customer-{random.Next(0, 2_000):D4}";
        var path = nightOwl ? 1.0 : random.NextDouble();
        if (path < 0.04)
        {
            SellerStarted(chat, start, customer, random);
            return;
        }

        var tags = random.NextDouble() < 0.65 ? new[] { Pick(DemoShop.Tags, random) } : [];
        chat.Started(start, customer, ChatInitiator.Customer, Pick(s_entryPoints, random), tags);
        var greeting = random.NextDouble();
        if (greeting < 0.45)
        {
            chat.Message(start.AddSeconds(1), SenderRole.Assistant, MessageKind.Greeting);
        }
        else if (greeting < 0.7)
        {
            chat.Message(start.AddSeconds(1), SenderRole.Agent, MessageKind.Greeting, ShopAccount);
        }

        var asked = start.AddSeconds(random.Next(5, 90));
        if (path < 0.07)
        {
            // A sticker after an order: nothing to answer.
            chat.Message(asked, SenderRole.Customer, MessageKind.Image, expectsNoReply: true);
            chat.Resolved(asked.AddHours(6), ResolvedBy.Timeout);
            chat.Ended(asked.AddHours(6));
            return;
        }

        var firstKind = random.NextDouble();
        chat.Message(asked, SenderRole.Customer, firstKind < 0.8 ? MessageKind.Text : firstKind < 0.9 ? MessageKind.Image : MessageKind.OrderCard);
        if (!DemoShop.IsOpen(asked))
        {
            var (role, agent) = random.NextDouble() < 0.7 ? (SenderRole.Assistant, "") : (SenderRole.Agent, ShopAccount);
            chat.Message(asked.AddSeconds(3), role, MessageKind.OffHoursAutoReply, agent);
        }

        var waiting = asked;
        if (path < 0.29)
        {
            if (AssistantSolves(chat, asked, customer, tags, random))
            {
                return;
            }

            waiting = asked.AddSeconds(random.Next(90, 300));
            chat.Message(waiting, SenderRole.Customer, MessageKind.Text);
        }

        HumanHandles(chat, asked, waiting, customer, tags, random);
    }

    /// <summary>An FAQ card, or an order card the assistant resolves the chat with; true when that was enough.</summary>
    private static bool AssistantSolves(ChatFacts chat, DateTime asked, string customer, string[] tags, Random random)
    {
        var faq = random.NextDouble() < 0.7;
        chat.Message(asked.AddSeconds(8), SenderRole.Assistant, faq ? MessageKind.FaqCard : MessageKind.OrderCard);
        if (random.NextDouble() >= 0.8)
        {
            return false;
        }

        var thanks = asked.AddSeconds(random.Next(60, 300));
        chat.Message(thanks, SenderRole.Customer, MessageKind.Text, expectsNoReply: true);
        if (!faq || random.NextDouble() < 0.6)
        {
            chat.Resolved(thanks.AddMinutes(1), ResolvedBy.Assistant);
        }

        var ended = thanks.AddMinutes(random.Next(15, 60));
        chat.Ended(ended);
        Rate(chat, ended, 0.8, random);
        Order(chat, ended, customer, tags, random);
        return true;
    }

    /// <summary>
    /// Assigned to an agent who answers the inquiry that started at <paramref name="asked"/> (the customer wrote again
    /// at <paramref name="waiting"/>) on time, late or never, then follow-up questions, a resolution and an end.
    /// </summary>
    private static void HumanHandles(ChatFacts chat, DateTime asked, DateTime waiting, string customer, string[] tags, Random random)
    {
        var agent = PickAgent(random);
        var assigned = waiting.AddSeconds(random.Next(20, 120));
        var outcome = random.NextDouble();
        if (outcome < 0.06)
        {
            Unanswered(chat, asked, assigned, agent.Id, random);
            return;
        }

        chat.Assigned(assigned, "", agent.Id);
        var late = outcome < 0.13;
        var reply = late
            ? asked.AddMinutes(random.Next(25 * 60, 60 * 60))
            : DemoShop.NextOpening(assigned).AddMinutes(agent.Pace * (random.NextDouble() < 0.1 ? random.Next(60, 600) : 1 - (Math.Log(1 - random.NextDouble()) * 8)));
        if (random.NextDouble() < 0.12)
        {
            agent = TransferredBefore(chat, reply, assigned, agent, random);
        }

        var replyKind = random.NextDouble();
        chat.Message(reply, SenderRole.Agent, replyKind < 0.85 ? MessageKind.Text : replyKind < 0.95 ? MessageKind.ProductCard : MessageKind.Coupon, agent.Id);
        if (random.NextDouble() < 0.2)
        {
            chat.Tagged(reply.AddSeconds(30), Pick(DemoShop.Tags, random));
        }

        var last = FollowUps(chat, reply, agent.Id, agent.Pace, random);
        var resolution = random.NextDouble();
        if (resolution < 0.85)
        {
            chat.Resolved(last.AddMinutes(random.Next(5, 60)), resolution < 0.6 ? ResolvedBy.Agent : resolution < 0.75 ? ResolvedBy.Customer : ResolvedBy.Timeout);
        }

        // One chat in ten stays open (active): it ends, for conversions, at its last message.
        var end = last.AddMinutes(random.Next(61, 120));
        if (random.NextDouble() < 0.9)
        {
            chat.Ended(end);
        }

        Rate(chat, end, late ? 0.3 : 0.85, random);
        Order(chat, end, customer, tags, random);
    }

    /// <summary>Nobody answers the inquiry; half of these chats were never even assigned ("unassigned" in agent details).</summary>
    private static void Unanswered(ChatFacts chat, DateTime asked, DateTime assigned, string agentId, Random random)
    {
        if (random.NextDouble() < 0.5)
        {
            chat.Assigned(assigned, "", agentId);
        }

        var closed = asked.AddHours(48);
        chat.Resolved(closed, ResolvedBy.Timeout);
        chat.Ended(closed);
        Rate(chat, closed.AddMinutes(10), 0.05, random);
    }

    /// <summary>The chat moves to another agent shortly before the <paramref name="reply"/>, who then answers it.</summary>
    private static (string Id, string Name, double Share, double Pace) TransferredBefore(
        ChatFacts chat, DateTime reply, DateTime assigned, (string Id, string Name, double Share, double Pace) agent, Random random)
    {
        var to = PickAgent(random);
        while (to.Id == agent.Id)
        {
            to = PickAgent(random);
        }

        var moved = reply.AddMinutes(-random.Next(1, 15));
        chat.Assigned(moved > assigned ? moved : assigned.AddSeconds(30), agent.Id, to.Id);
        return to;
    }

    /// <summary>Follow-up questions answered by the agent, and maybe a customer's closing "thanks"; returns the last message's time.</summary>
    private static DateTime FollowUps(ChatFacts chat, DateTime reply, string agentId, double pace, Random random)
    {
        var last = reply;
        for (var followUps = random.Next(0, 3); followUps > 0; followUps--)
        {
            var question = last.AddMinutes(random.Next(2, 40));
            chat.Message(question, SenderRole.Customer, MessageKind.Text);
            last = question.AddMinutes(pace * random.Next(1, 25));
            chat.Message(last, SenderRole.Agent, MessageKind.Text, agentId);
        }

        if (random.NextDouble() < 0.4)
        {
            last = last.AddMinutes(random.Next(1, 10));
            chat.Message(last, SenderRole.Customer, MessageKind.Text, expectsNoReply: true);
        }

        return last;
    }

    /// <summary>The seller reaches out with a coupon or a product; the customer may answer.</summary>
    private static void SellerStarted(ChatFacts chat, DateTime start, string customer, Random random)
    {
        var agent = PickAgent(random);
        chat.Started(start, customer, ChatInitiator.Seller, EntryPoint.Inbox, []);
        chat.Assigned(start, "", agent.Id);
        chat.Message(start.AddSeconds(5), SenderRole.Agent, random.NextDouble() < 0.5 ? MessageKind.Coupon : MessageKind.ProductCard, agent.Id);
        var last = start.AddSeconds(5);
        if (random.NextDouble() < 0.5)
        {
            var answer = start.AddMinutes(random.Next(10, 300));
            last = answer.AddMinutes(agent.Pace * random.Next(2, 30));
            chat.Message(answer, SenderRole.Customer, MessageKind.Text);
            chat.Message(last, SenderRole.Agent, MessageKind.Text, agent.Id);
        }

        chat.Ended(last.AddHours(1));
        Order(chat, last.AddHours(1), customer, [], random);
    }

    /// <summary>A third of chats are rated; <paramref name="happy"/> is the chance of 4–5 stars. A few change their rating the next day.</summary>
    private static void Rate(ChatFacts chat, DateTime after, double happy, Random random)
    {
        if (random.NextDouble() >= 0.35)
        {
            return;
        }

        var at = after.AddMinutes(random.Next(5, 120));
        var stars = random.NextDouble() < happy ? (random.NextDouble() < 0.7 ? 5 : 4) : random.Next(1, 4);
        chat.Rated(at, stars);
        if (stars <= 3 && random.NextDouble() < 0.2)
        {
            chat.Rated(at.AddDays(1), stars + 2);
        }
    }

    /// <summary>
    /// A quarter of customers order (more after a pre-purchase question): most within the 7 days after the chat
    /// ends (a conversion), some later, some during the chat (neither converts); one order in eight is cancelled or refunded.
    /// </summary>
    private static void Order(ChatFacts chat, DateTime end, string customer, string[] tags, Random random)
    {
        if (random.NextDouble() >= (tags.Contains("pre-purchase") ? 0.45 : 0.25))
        {
            return;
        }

        var when = random.NextDouble();
        var placed = when < 0.1 ? end.AddMinutes(-random.Next(1, 10))
            : when < 0.85 ? end.AddMinutes(random.Next(10, 7 * 24 * 60))
            : end.AddMinutes(random.Next((7 * 24 * 60) + 60, 12 * 24 * 60));
        var order = chat.OrderPlaced(placed, customer, 1_990 + (100 * random.Next(0, 280)));
        var cancel = random.NextDouble();
        if (cancel < 0.075)
        {
            chat.OrderCancelled(placed.AddHours(random.Next(2, 48)), order, customer, OrderCancellationKind.Cancelled);
        }
        else if (cancel < 0.125)
        {
            chat.OrderCancelled(placed.AddDays(random.Next(3, 10)), order, customer, OrderCancellationKind.Refunded);
        }
    }

    private static (string Id, string Name, double Share, double Pace) PickAgent(Random random)
    {
        var pick = random.NextDouble();
        foreach (var agent in DemoShop.Agents)
        {
            if ((pick -= agent.Share) < 0)
            {
                return agent;
            }
        }

        return DemoShop.Agents[^1];
    }

    private static T Pick<T>(IReadOnlyList<T> items, Random random) => items[random.Next(items.Count)];
}
